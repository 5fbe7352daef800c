import Foundation
import XCTest
import Model
@testable import ModelFiles
import ModelTestSupport

/// `ExportedModel` + `HuggingFaceExport` write a directory that loads back to the same logits, from every naming
/// scheme; `GGUFExport` writes a GGUF whose header lists llama.cpp's gpt2 keys and tensors.
final class ExportTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func logits(_ model: GPTModel, _ prompt: [Int]) throws -> [Float] {
        let pool = TestKVPool(config: model.config, blockSize: 16, capacityBlocks: 64)
        return Array(try TestSequence(model: model, pool: pool).append(prompt))
    }

    /// Exports `original` (loaded from `url`) to HF and checks the reloaded model's logits on a few prompts.
    private func assertRoundTrip(_ url: URL, heads: Int?, tolerance: Float,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let original = try GPTModel.load(from: url, heads: heads)
        let exported = try ExportedModel.read(from: url, heads: heads)
        let out = directory.appendingPathComponent("hf")
        try HuggingFaceExport.write(exported, tokens: (0..<original.config.vocabSize).map { "t\($0)" }, merges: [],
                                    to: out)
        let reloaded = try GPTModel.load(from: out)
        // Hugging Face GPT-2 always has a QKV bias: a book model without one gets zeros, the same function.
        var expected = original.config
        expected.architecture.qkvBias = true
        XCTAssertEqual(reloaded.config, expected, file: file, line: line)
        XCTAssertEqual(reloaded.task, original.task, file: file, line: line)
        for prompt in [[1], [5, 9, 2, 7], Array(0..<20)] {
            let diff = Reference.maxAbsDiff(try logits(reloaded, prompt), try logits(original, prompt))
            XCTAssertLessThanOrEqual(diff, tolerance, "prompt \(prompt)", file: file, line: line)
        }
    }

    func testHuggingFaceExportOfAHuggingFaceModelReloadsToTheSameLogits() throws {
        let source = directory.appendingPathComponent("random")
        try RandomModel.write(config: GPTConfig(nEmbd: 32, nHead: 2, nLayer: 2, nPositions: 64, vocabSize: 300),
                              seed: 7, to: source)
        try assertRoundTrip(source, heads: nil, tolerance: 0)
    }

    func testHuggingFaceExportOfTheBooksNamesWithoutQKVBiasReloadsToTheSameLogits() throws {
        let ref = Reference.model("book-a-nobias")
        try assertRoundTrip(Reference.fixtures.appendingPathComponent(ref.path), heads: Reference.heads(ref.name),
                            tolerance: 1e-5)
    }

    func testHuggingFaceExportOfTheBooksNamesWithQKVBiasReloadsToTheSameLogits() throws {
        let ref = Reference.model("book-b-bias")
        try assertRoundTrip(Reference.fixtures.appendingPathComponent(ref.path), heads: Reference.heads(ref.name),
                            tolerance: 1e-5)
    }

    func testHuggingFaceExportOfAClassifierKeepsItsLabels() throws {
        let ref = Reference.model("hf-cls-a")
        try assertRoundTrip(Reference.fixtures.appendingPathComponent(ref.path), heads: Reference.heads(ref.name),
                            tolerance: 0)
    }

    func testGGUFRefusesAClassifierWithAReasonNamingHF() throws {
        let ref = Reference.model("hf-cls-a")
        let exported = try ExportedModel.read(from: Reference.fixtures.appendingPathComponent(ref.path))
        XCTAssertThrowsError(try GGUFExport.write(exported, tokens: [], isSpecial: [], merges: [], name: "x",
                                                  to: directory.appendingPathComponent("x.gguf"))) {
            XCTAssertTrue("\($0)".contains("--to hf"), "\($0)")
        }
    }

    func testGGUFHeaderHasVersion3TheGPT2ArchitectureAndOneTensorPerWeightPlusTheHead() throws {
        let source = directory.appendingPathComponent("random")
        let config = GPTConfig(nEmbd: 32, nHead: 2, nLayer: 2, nPositions: 64, vocabSize: 300)
        try RandomModel.write(config: config, seed: 1, to: source)
        let exported = try ExportedModel.read(from: source)
        XCTAssertTrue(exported.tiedHead)
        let url = directory.appendingPathComponent("m.gguf")
        try GGUFExport.write(exported, tokens: (0..<300).map { "t\($0)" }, isSpecial: Array(repeating: false, count: 300),
                             merges: ["t1 t2"], name: "random", to: url)
        let data = try Data(contentsOf: url)
        XCTAssertEqual(String(decoding: data.prefix(4), as: UTF8.self), "GGUF")
        func u64(_ at: Int) -> UInt64 { data[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        XCTAssertEqual(data[4], 3)
        // 2 embeddings + 12 per block + final norm (2) + output.weight.
        XCTAssertEqual(u64(8), UInt64(2 + 12 * 2 + 2 + 1))
        let text = String(decoding: data.prefix(20_000), as: UTF8.self)
        for needle in ["general.architecture", "gpt2", "gpt2.attention.head_count", "tokenizer.ggml.merges",
                       "blk.1.attn_qkv.weight", "blk.0.ffn_down.bias", "output.weight", "position_embd.weight"] {
            XCTAssertTrue(text.contains(needle), needle)
        }
        // Data is 32-byte aligned, so the file length is too.
        XCTAssertEqual(data.count % 32, 0)
    }

    func testGGUFNamesMapHuggingFaceBlocksToLlamaCppNames() {
        XCTAssertEqual(GGUFExport.tensorName("h.3.attn.c_attn.weight"), "blk.3.attn_qkv.weight")
        XCTAssertEqual(GGUFExport.tensorName("h.0.mlp.c_proj.bias"), "blk.0.ffn_down.bias")
        XCTAssertEqual(GGUFExport.tensorName("h.11.ln_2.weight"), "blk.11.ffn_norm.weight")
        XCTAssertEqual(GGUFExport.tensorName("wte.weight"), "token_embd.weight")
        XCTAssertEqual(GGUFExport.tensorName("ln_f.bias"), "output_norm.bias")
    }
}
