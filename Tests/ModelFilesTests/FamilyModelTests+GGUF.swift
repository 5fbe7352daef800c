import Foundation
import XCTest
@testable import Model
import ModelFiles
import ModelTestSupport

/// The family fixtures converted to GGUF by training/fixtures/make_gguf_fixtures.py (as convert_hf_to_gguf.py
/// converts them) give transformers' logits, Llama 3's `rope_freqs` tensor standing for the config's llama3 scaling.
extension FamilyModelTests {
    func gguf(_ name: String) -> URL { GGUFFixtures.url(name) }

    func testGGUFQwenFilesGiveTransformersLogits() throws {
        for (file, reference) in [("family-qwen2.gguf", "family-qwen2"), ("family-qwen3.gguf", "family-qwen3")] {
            let error = try worstError(try GPTModel.load(from: gguf(file)), reference)
            print("\(file): max error \(error) of the logit range")
            XCTAssertLessThanOrEqual(error, 1e-4, file)
        }
    }

    /// Q8_0 rounds every matrix (the embedding and head included) to 8 bits per block of 32: 0.0095 of the logit
    /// range measured on this model, 2% allowed.
    func testGGUFQ8_0StaysWithinItsTolerance() throws {
        let error = try worstError(try GPTModel.load(from: gguf("family-qwen3-q8_0.gguf")), "family-qwen3")
        print("family-qwen3-q8_0.gguf: max error \(error) of the logit range")
        XCTAssertLessThanOrEqual(error, 0.02)
        XCTAssertGreaterThan(error, 1e-6, "the Q8_0 file should differ from the fp32 model")
    }

    func testGGUFConfigurationDescribesEachFamily() throws {
        let qwen2 = try ModelFile(at: gguf("family-qwen2.gguf"))
        XCTAssertEqual(qwen2.scheme, .huggingFaceDecoder)
        XCTAssertTrue(qwen2.config.architecture.qkvBias)
        XCTAssertFalse(qwen2.config.architecture.qkNorm)
        XCTAssertTrue(qwen2.config.architecture.tiedHead)
        XCTAssertEqual(qwen2.config.architecture.positions, .rotary(theta: 1_000_000, scaling: nil))
        XCTAssertEqual(qwen2.config.eosTokenId, 2)
        XCTAssertEqual(qwen2.summary.format, "GGUF v3 (qwen2)")
        XCTAssertEqual(qwen2.summary.dtypes, ["F32": qwen2.summary.tensorCount])
        let qwen3 = try ModelFile(at: gguf("family-qwen3-q8_0.gguf"))
        XCTAssertTrue(qwen3.config.architecture.qkNorm)
        XCTAssertFalse(qwen3.config.architecture.qkvBias)
        XCTAssertFalse(qwen3.config.architecture.tiedHead)
        XCTAssertEqual(qwen3.config.headSize, 32)
        XCTAssertEqual(qwen3.config.queryChannels, 128)
        XCTAssertEqual(qwen3.config.architecture.attention, .grouped(kvHeads: 2))
        XCTAssertEqual(qwen3.summary.dtypes["Q8_0"], 2 * 7 + 2)
    }

    /// A llama file's Q and K rows come back unpermuted: without rope_freqs it is the Hugging Face model with plain
    /// rotary positions, which the directory gives when its configuration drops the llama3 scaling.
    func testGGUFLlamaWithoutRopeFreqsMatchesTheDirectoryWithPlainRope() throws {
        let directory = Reference.fixtures.appendingPathComponent("family-llama")
        var config = try ModelFile(at: directory).config
        config.architecture.positions = .rotary(theta: 10000, scaling: nil)
        let expected = try ModelFile(at: directory, config: config).load()
        let model = try GPTModel.load(from: gguf("family-llama-plain-rope.gguf"))
        XCTAssertEqual(model.config.architecture.positions, .rotary(theta: 10000, scaling: nil))
        let tokens = Self.references["family-llama"]!.last!.tokens
        func logits(_ model: GPTModel) throws -> [[Float]] {
            let pool = TestKVPool(for: model, blockSize: 4, capacityBlocks: 16)
            let run = TestSequence(model: model, pool: pool)
            let all = try model.forward([try run.row(appending: tokens)], cache: pool, allPositions: true)
            return tokens.indices.map { Array(all[$0]) }
        }
        let ours = try logits(model).flatMap { $0 }, theirs = try logits(expected).flatMap { $0 }
        let range = theirs.max()! - theirs.min()!
        XCTAssertLessThanOrEqual(zip(ours, theirs).map { abs($0 - $1) }.max()! / range, 1e-5)
    }

    /// family-llama has llama3 rope scaling with a short original context, so its rope_freqs tensor divides the
    /// three frequency bands differently; measured 3.3e-7 of the logit range (F32), as the directory gives.
    func testGGUFLlama3RopeFreqsGiveTransformersLogits() throws {
        let file = try ModelFile(at: gguf("family-llama.gguf"))
        guard case .rotary(10000, .frequencyFactors(let factors)?) = file.config.architecture.positions else {
            return XCTFail("\(file.config.architecture.positions)")
        }
        XCTAssertEqual(factors.count, 8)
        XCTAssertEqual(factors.first, 1)
        XCTAssertEqual(factors.last, 8)
        let error = try worstError(try file.load(), "family-llama")
        print("family-llama.gguf: max error \(error) of the logit range")
        XCTAssertLessThanOrEqual(error, 1e-4)
    }

    /// Q8_0 with rope_freqs: measured 0.0095 of the logit range, 2% allowed as for Qwen3.
    func testGGUFLlama3Q8_0StaysWithinItsTolerance() throws {
        let error = try worstError(try GPTModel.load(from: gguf("family-llama-q8_0.gguf")), "family-llama")
        print("family-llama-q8_0.gguf: max error \(error) of the logit range")
        XCTAssertLessThanOrEqual(error, 0.02)
        XCTAssertGreaterThan(error, 1e-6, "the Q8_0 file should differ from the fp32 model")
    }
}

/// A `rope_freqs` tensor that is not D/2 finite positive factors is refused by name.
extension FamilyModelTests {
    /// family-llama.gguf with `patch` applied to its bytes, written to a temporary file.
    private func patchedLlama(_ name: String, _ patch: (inout Data, GGUFFile) -> Void) throws -> URL {
        let source = gguf("family-llama.gguf")
        var bytes = try Data(contentsOf: source)
        patch(&bytes, try GGUFFile(url: source))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-\(getpid())-\(name)")
        try bytes.write(to: url)
        return url
    }

    func testGGUFRopeFreqsOfTheWrongLengthAreRefused() throws {
        // The tensor info is the name, then the dimension count (u32) and the dimensions (u64): 8 becomes 4.
        let url = try patchedLlama("rope-length.gguf") { bytes, _ in
            let name = Data("rope_freqs.weight".utf8)
            let at = bytes.range(of: name)!.upperBound + 4
            bytes[at] = 4
        }
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try ModelFile(at: url)) { error in
            XCTAssertEqual(error as? GGUFError, .wrongShape(
                file: url.lastPathComponent, tensor: "rope_freqs.weight", shape: [4],
                reason: "expected [8], one rotary scaling factor per frequency of a head of 16"))
        }
    }

    func testGGUFRopeFreqsThatAreNotFinitePositiveAreRefused() throws {
        for (index, value) in [(3, Float.nan), (0, 0), (7, -2), (5, Float.infinity)] {
            let url = try patchedLlama("rope-value.gguf") { bytes, file in
                let info = file.tensor("rope_freqs.weight")!
                let at = file.dataOffset + info.offset + 4 * index
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.replaceSubrange(at..<at + 4, with: $0) }
            }
            defer { try? FileManager.default.removeItem(at: url) }
            XCTAssertThrowsError(try ModelFile(at: url)) { error in
                guard case let .invalidTensorValue(_, tensor, bad, found, _)? = error as? GGUFError else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(tensor, "rope_freqs.weight")
                XCTAssertEqual(bad, index)
                XCTAssertEqual(found.isNaN ? 0 : found, value.isNaN ? 0 : value)
                XCTAssertTrue("\(error)".contains("expected a finite positive rotary scaling factor"), "\(error)")
            }
        }
    }

    func testAConfigurationWithTheWrongFactorCountIsRefused() throws {
        var config = try ModelFile(at: gguf("family-llama.gguf")).config
        config.architecture.positions = .rotary(theta: 10000, scaling: .frequencyFactors([1, 2, 3]))
        XCTAssertThrowsError(try config.validate(file: "config")) { error in
            XCTAssertTrue("\(error)".contains("3 frequency factors, expected 8"), "\(error)")
        }
        config.architecture.positions = .rotary(
            theta: 10000, scaling: .frequencyFactors(Array(repeating: -1, count: 8)))
        XCTAssertThrowsError(try config.validate(file: "config"))
    }
}
