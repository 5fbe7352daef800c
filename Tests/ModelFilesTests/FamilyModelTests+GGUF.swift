import Foundation
import XCTest
@testable import Model
import ModelFiles
import ModelTestSupport

/// The family fixtures converted to GGUF by training/fixtures/make_gguf_fixtures.py (as convert_hf_to_gguf.py
/// converts them) give transformers' logits; a Llama 3 file's `rope_freqs` is refused.
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

    func testGGUFLlama3RopeFreqsIsRefused() {
        XCTAssertThrowsError(try ModelFile(at: gguf("family-llama-q8_0.gguf"))) { error in
            XCTAssertEqual(error as? GGUFError, .unsupportedRopeScaling(
                file: "family-llama-q8_0.gguf",
                what: "tensor rope_freqs.weight holds Llama 3's per-frequency rotary scaling factors"))
            XCTAssertTrue("\(error)".contains("rope_freqs"), "\(error)")
        }
    }
}
