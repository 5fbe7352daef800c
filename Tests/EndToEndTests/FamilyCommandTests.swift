import Foundation
import JSON
import XCTest

/// The built binary runs a Llama-family Hugging Face directory: a tiny random Qwen2 (two shards, a byte-level
/// tokenizer.json) made by training/fixtures/make_family_fixtures.py, whose greedy tokens transformers recorded.
final class FamilyCommandTests: XCTestCase {
    private let fixtures = Binary.repository.appendingPathComponent("Tests/ModelTestSupport/Fixtures")

    func testGenerateWithAQwen2DirectoryGivesTransformersGreedyTokens() throws {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("family-reference.json"))
        let references = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        let text = try XCTUnwrap(references["family-qwen2"]?["text"] as? [String: Any])
        let result = try Binary.run(["generate", "--model", fixtures.appendingPathComponent("family-qwen2").path,
                                     "--prompt", try XCTUnwrap(text["text"] as? String), "--max-tokens", "8",
                                     "--json"])
        XCTAssertEqual(result.code, 0, result.stderr)
        let json = try JSONValue.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(json["prompt_tokens"]?.array?.compactMap(\.int), text["tokens"] as? [Int])
        XCTAssertEqual(json["tokens"]?.array?.compactMap(\.int), text["greedy"] as? [Int])
    }

    func testInspectNamesTheFamily() throws {
        let result = try Binary.run(["inspect", fixtures.appendingPathComponent("family-qwen3").path])
        XCTAssertEqual(result.code, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("naming scheme: Hugging Face Llama/Qwen decoder"), result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("architecture: Qwen3 (RMSNorm (eps 1e-06), grouped-query "
                                                    + "attention (2 KV heads)") }, result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("config: n_embd 64, n_head 4 (head size 32), n_layer 2") },
                      result.stdout)
    }
}
