import Foundation
import Model
import ModelFiles
import ModelTestSupport
import XCTest

/// GGUF model files as a `TensorSource`: Hugging Face names, the configuration from `{arch}.*` metadata, and
/// tensors equal to the Hugging Face model's (a llama file's Q and K permuted back).
final class GGUFTensorSourceTests: XCTestCase {
    private func assertEqualsHuggingFace(_ stem: String, file: StaticString = #filePath, line: UInt = #line) throws
        -> GGUFTensorSource {
        let source = try GGUFTensorSource(url: GGUFFixtures.url(stem + ".gguf"))
        let expected = try GGUFFixtures.reference(stem)
        XCTAssertEqual(Set(source.tensorNames), Set(expected.map(\.name)), file: file, line: line)
        for (name, shape, values) in expected {
            XCTAssertEqual(source.shape(of: name), shape, name, file: file, line: line)
            var got = [Float](repeating: .nan, count: values.count)
            try source.copyFloats(name, into: &got)
            XCTAssertEqual(got.map(\.bitPattern), values.map(\.bitPattern), name, file: file, line: line)
            if let inPlace = source.inPlaceFloats(name) {
                XCTAssertEqual(Array(UnsafeBufferPointer(start: inPlace, count: values.count)), values, name,
                               file: file, line: line)
            }
        }
        return source
    }

    func testLlamaTensorsEqualTheHuggingFaceModelsWithQAndKPermutedBack() throws {
        let source = try assertEqualsHuggingFace("llama")
        XCTAssertEqual(source.config, GGUFModelConfig(
            architecture: "llama", hiddenSize: 32, intermediateSize: 48, attentionHeads: 4, keyValueHeads: 2,
            headDim: 8, layers: 2, contextLength: 128, ropeTheta: 500000, rmsNormEpsilon: Double(Float(1e-5)),
            vocabularySize: 262, tiedEmbeddings: false))
        // The stored Q is the permuted one: reading it in place would skip the permutation.
        XCTAssertNil(source.inPlaceFloats("model.layers.0.self_attn.q_proj.weight"))
        XCTAssertNil(source.inPlaceFloats("model.layers.1.self_attn.k_proj.weight"))
        XCTAssertNotNil(source.inPlaceFloats("model.layers.0.self_attn.v_proj.weight"))
        let raw = try XCTUnwrap(source.file.tensor("blk.0.attn_q.weight"))
        let expected = try GGUFFixtures.reference("llama").first { $0.name == "model.layers.0.self_attn.q_proj.weight" }
        XCTAssertNotEqual(try source.file.dequantize(raw), expected?.values, "the fixture's Q should be permuted")
    }

    func testQwen3TensorsAreNotPermuted() throws {
        let source = try assertEqualsHuggingFace("qwen3")
        XCTAssertEqual(source.config.architecture, "qwen3")
        XCTAssertEqual(source.config.headDim, 16)
        XCTAssertEqual(source.config.attentionHeads * source.config.headDim, 64)
        XCTAssertEqual(source.config.ropeTheta, 1_000_000)
        XCTAssertEqual(source.shape(of: "model.layers.1.self_attn.q_norm.weight"), [16])
        XCTAssertEqual(source.info("model.layers.0.mlp.up_proj.weight")?.type, .q8_0)
    }

    func testNamesMapToHuggingFaces() {
        let pairs = [
            ("token_embd.weight", "model.embed_tokens.weight"), ("output_norm.weight", "model.norm.weight"),
            ("output.weight", "lm_head.weight"), ("blk.3.attn_q.weight", "model.layers.3.self_attn.q_proj.weight"),
            ("blk.3.attn_q.bias", "model.layers.3.self_attn.q_proj.bias"),
            ("blk.0.attn_output.weight", "model.layers.0.self_attn.o_proj.weight"),
            ("blk.0.attn_k_norm.weight", "model.layers.0.self_attn.k_norm.weight"),
            ("blk.0.attn_norm.weight", "model.layers.0.input_layernorm.weight"),
            ("blk.0.ffn_norm.weight", "model.layers.0.post_attention_layernorm.weight"),
            ("blk.12.ffn_gate.weight", "model.layers.12.mlp.gate_proj.weight"),
            ("blk.0.ffn_down.weight", "model.layers.0.mlp.down_proj.weight"),
            ("rope_freqs.weight", "rope_freqs.weight"), ("blk.x.attn_q.weight", "blk.x.attn_q.weight"),
        ]
        for (gguf, hf) in pairs { XCTAssertEqual(GGUFTensorSource.huggingFaceName(gguf), hf) }
        for (gguf, hf) in pairs.dropLast() { XCTAssertEqual(GGUFTensorSource.ggufName(hf), gguf) }
        let unknown = "model.layers.x.mlp.up_proj.weight"
        XCTAssertEqual(GGUFTensorSource.ggufName(unknown), unknown)
    }

    func testRefusesOtherArchitecturesByName() throws {
        XCTAssertThrowsError(try GGUFTensorSource(url: GGUFFixtures.url("quants.gguf"))) { error in
            XCTAssertEqual(error as? GGUFError, .unsupportedArchitecture(file: "quants.gguf", architecture: "quants"))
            XCTAssertTrue("\(error)".contains("\"quants\""), "\(error)")
        }
    }
}
