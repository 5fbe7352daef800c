import Foundation
import XCTest
import Model
@testable import ModelFiles
import ModelTestSupport

/// Llama/Qwen directories whose config.json or files are wrong give typed errors that say what is wrong.
final class BadFamilyDirectoryTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gpt-family-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A copy of a fixture directory with its config.json edited.
    func copy(_ fixture: String, config edit: (inout [String: Any]) -> Void = { _ in }) throws -> URL {
        let source = Reference.fixtures.appendingPathComponent(fixture)
        let target = directory.appendingPathComponent(fixture)
        try FileManager.default.copyItem(at: source, to: target)
        let configURL = target.appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        edit(&json)
        try FileManager.default.removeItem(at: configURL)
        try JSONSerialization.data(withJSONObject: json).write(to: configURL)
        return target
    }

    func testUnsupportedArchitectureIsNamed() throws {
        let url = try copy("family-llama") { $0["architectures"] = ["MistralForCausalLM"] }
        XCTAssertThrowsError(try ModelFile(at: url)) { error in
            XCTAssertEqual(error as? ModelFileError,
                           .unsupportedArchitecture(file: "config.json", name: "MistralForCausalLM"))
            XCTAssertTrue("\(error)".contains("MistralForCausalLM"))
        }
    }

    /// Qwen2's QKV biases under a Llama configuration would be silently dropped: an error instead.
    func testBiasesTheConfigurationDoesNotExpectAreAnError() throws {
        let url = try copy("family-qwen2") { $0["architectures"] = ["LlamaForCausalLM"] }
        XCTAssertThrowsError(try GPTModel.load(from: url)) { error in
            XCTAssertTrue("\(error)".contains("q_proj.bias is present"), "\(error)")
        }
    }

    func testAHeadCountThatDoesNotFitTheTensorsNamesTheTensor() throws {
        let url = try copy("family-llama") { $0["num_key_value_heads"] = 4 }
        XCTAssertThrowsError(try GPTModel.load(from: url)) { error in
            XCTAssertEqual(error as? GPTError, .wrongShape(file: "model.safetensors",
                                                           tensor: "model.layers.0.self_attn.k_proj.weight",
                                                           shape: [32, 64], expected: [64, 64]))
        }
    }

    func testGPT2ConfigurationOverLlamaTensorsIsAnError() throws {
        let url = try copy("family-llama") { json in
            json = ["architectures": ["GPT2LMHeadModel"], "n_embd": 64, "n_head": 4, "n_layer": 2,
                    "n_positions": 128, "vocab_size": 256]
        }
        XCTAssertThrowsError(try ModelFile(at: url)) { error in
            XCTAssertTrue("\(error)".contains("describes a GPT-2 model"), "\(error)")
        }
    }

    /// Cut inside the data section, the last tensors' offsets run past its end.
    func testTruncatedWeightsAreReported() throws {
        let url = try copy("family-qwen3")
        let weights = url.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: weights)
        try data.prefix(data.count - 1000).write(to: weights)
        XCTAssertThrowsError(try ModelFile(at: url)) { error in
            guard case .offsetsOutOfRange(let file, _, _, let end, let bytes)? = error as? ModelFileError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(file, "model.safetensors")
            XCTAssertGreaterThan(end, bytes)
        }
    }

    func testMissingShardIsNamed() throws {
        let url = try copy("family-qwen2")
        try FileManager.default.removeItem(at: url.appendingPathComponent("model-00002-of-00002.safetensors"))
        XCTAssertThrowsError(try ModelFile(at: url)) { error in
            XCTAssertEqual(error as? ModelFileError, .missingShard(file: "model.safetensors.index.json",
                                                                   shard: "model-00002-of-00002.safetensors"))
        }
    }

    /// transformers 4 writes rope_theta and rope_scaling at the top level, with "type" in older files.
    func testTransformers4RopeFieldsGiveTheSameLogits() throws {
        let url = try copy("family-llama") { json in
            var rope = json.removeValue(forKey: "rope_parameters") as! [String: Any]
            json["rope_theta"] = rope.removeValue(forKey: "rope_theta")
            rope["type"] = rope.removeValue(forKey: "rope_type")
            json["rope_scaling"] = rope
        }
        let old = try ModelFile(at: url)
        let new = try ModelFile(at: Reference.fixtures.appendingPathComponent("family-llama"))
        XCTAssertEqual(old.config, new.config)
    }

    func testUnsupportedRopeTypeIsAnError() throws {
        let url = try copy("family-llama") { json in
            var rope = json["rope_parameters"] as! [String: Any]
            rope["rope_type"] = "yarn"
            json["rope_parameters"] = rope
        }
        XCTAssertThrowsError(try ModelFile(at: url)) { error in
            XCTAssertTrue("\(error)".contains("rope type yarn is not supported"), "\(error)")
        }
    }
}
