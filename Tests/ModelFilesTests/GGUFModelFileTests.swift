import Foundation
import Model
import ModelFiles
import ModelTestSupport
import XCTest

/// A GGUF file given where a model is loaded: a Llama/Qwen one runs, anything else is refused with a sentence naming
/// the architecture or tensor type.
final class GGUFModelFileTests: XCTestCase {
    func testALlamaFileLoadsWithItsMetadataConfiguration() throws {
        let file = try ModelFile(at: GGUFFixtures.url("llama.gguf"))
        XCTAssertEqual(file.scheme, .huggingFaceDecoder)
        XCTAssertEqual(file.config.architecture.positions, .rotary(theta: 500_000, scaling: nil))
        XCTAssertEqual(file.config.architecture.attention, .grouped(kvHeads: 2))
        XCTAssertEqual(file.config.eosTokenId, 261)
        XCTAssertEqual(try file.load().config.vocabSize, 262)
    }

    /// With no format named, a file of quantized blocks loads as int8 (its blocks kept, or read as int8, where bf16
    /// would widen them) and a file of floats as bf16.
    func testTheDefaultFormatIsInt8ForQuantizedBlocksAndBF16ForFloats() throws {
        for name in ["family-llama-q4_k.gguf", "family-qwen3-q8_0.gguf", "family-qwen2-q5_0.gguf"] {
            XCTAssertEqual(try ModelFile(at: GGUFFixtures.url(name)).defaultWeightFormat, .int8, name)
        }
        for name in ["family-qwen3.gguf", "family-qwen3-bf16.gguf", "family-llama-f16.gguf"] {
            XCTAssertEqual(try ModelFile(at: GGUFFixtures.url(name)).defaultWeightFormat, .bf16, name)
        }
    }

    /// The file states its head count: a `heads` meant for GPT-2 weights without a configuration changes nothing.
    func testTheHeadCountComesFromTheFile() throws {
        let file = try ModelFile(at: GGUFFixtures.url("family-qwen3.gguf"), heads: 2)
        XCTAssertEqual(file.config.nHead, 4)
        XCTAssertEqual(file.config.headSize, 32)
    }

    /// A rotary scaling other than Llama 3's rope_freqs (YaRN here) is refused by its key, not run approximately.
    func testAnUnsupportedRopeScalingTypeIsNamed() throws {
        var writer = GGUFFixtures.minimalQwen2()
        writer.set("qwen2.rope.scaling.type", .string("yarn"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-\(getpid())-yarn.gguf")
        try writer.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try ModelFile(at: url)) { error in
            XCTAssertEqual(error as? GGUFError, .unsupportedRopeScaling(
                file: url.lastPathComponent, what: "qwen2.rope.scaling.type is \"yarn\""))
            XCTAssertTrue("\(error)".contains("cannot apply that rotary scaling exactly"), "\(error)")
        }
    }

    /// A tensor the model needs and the file lacks is named as the file would name it.
    func testAMissingTensorIsNamedAsInTheFile() throws {
        var bytes = try Data(contentsOf: GGUFFixtures.url("family-qwen3.gguf"))
        let name = Data("blk.1.attn_v.weight".utf8)
        bytes.replaceSubrange(try XCTUnwrap(bytes.range(of: name)), with: Data("blk.1.attn_X.weight".utf8))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-\(getpid())-no-v.gguf")
        try bytes.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try ModelFile(at: url).load()) { error in
            XCTAssertEqual(error as? GPTError,
                           .missingTensor(file: url.lastPathComponent, tensor: "blk.1.attn_v.weight"))
        }
    }

    func testAnUnsupportedArchitectureIsNamed() {
        XCTAssertThrowsError(try GPTModel.load(from: GGUFFixtures.url("quants.gguf"))) { error in
            XCTAssertEqual(error as? GGUFError, .unsupportedArchitecture(file: "quants.gguf", architecture: "quants"))
        }
    }

    func testAnUnreadableTensorTypeIsNamed() throws {
        var writer = GGUFHostileTests.Bytes.header(tensors: 1, keys: 1)
        writer.string("general.architecture"); writer.u32(8); writer.string("qwen2")
        writer.tensor("blk.0.ffn_up.weight", dims: [256], type: 13)  // Q5_K
        writer.data(176)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-\(getpid())-q5k.gguf")
        try writer.data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try GGUFFile(url: url)
        XCTAssertEqual(file.unreadableTensorError(),
                       .unsupportedTensorType(file: url.lastPathComponent, tensor: "blk.0.ffn_up.weight", type: "Q5_K"))
        XCTAssertTrue(file.summaryLines().contains("note: gptls cannot dequantize tensor types Q5_K yet"))
    }

    func testTheSummaryNamesArchitectureTypesAndVocabulary() throws {
        let lines = try GGUFFile(url: GGUFFixtures.url("qwen3.gguf")).summaryLines()
        XCTAssertTrue(lines.contains("architecture: qwen3"), "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("tensors: 25 (23 F32") && $0.contains("2 Q8_0") }, "\(lines)")
        XCTAssertTrue(lines.contains("vocabulary: 262 tokens (tokenizer.ggml.model gpt2)"), "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("config: hidden 32, heads 4 (kv 2, head_dim 16), layers 2") })
    }

    func testAMissingGGUFFileIsNamed() {
        XCTAssertThrowsError(try GGUFFile(url: URL(fileURLWithPath: "/nonexistent/model.gguf"))) { error in
            XCTAssertEqual(error as? ModelFileError, .fileNotFound(path: "/nonexistent/model.gguf"))
        }
    }
}
