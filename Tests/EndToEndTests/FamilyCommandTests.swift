import Foundation
import JSON
import XCTest

/// The built binary runs Llama-family models: a tiny random Qwen2 directory (two shards, a byte-level tokenizer.json)
/// made by training/fixtures/make_family_fixtures.py, whose greedy tokens transformers recorded, and the family GGUF
/// files, whose greedy tokens llama.cpp recorded.
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

    /// `gptls generate` through the engine on the family GGUF files gives llama.cpp's greedy tokens on the same
    /// file (llamacpp-reference.json, made by training/fixtures/make_llamacpp_references.py). Q8_0 is left out: its
    /// continuations part from llama.cpp's at a near-tie (see LlamaCppReferenceTests).
    func testGenerateWithGGUFFilesGivesLlamaCppGreedyTokens() throws {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("gguf/llamacpp-reference.json"))
        let files = try XCTUnwrap(try JSONValue.parse(data)["files"]?.object)
        for family in ["family-qwen3", "family-llama"] {
            for suffix in ["", "-f16", "-bf16"] {
                let file = family + suffix + ".gguf"
                for sequence in try XCTUnwrap(files[file]?.array, file) {
                    let prompt = try XCTUnwrap(sequence["tokens"]?.array?.compactMap(\.int))
                    let greedy = try XCTUnwrap(sequence["greedy"]?.array?.compactMap(\.int))
                    let result = try Binary.run([
                        "generate", "--model", fixtures.appendingPathComponent("gguf/" + file).path,
                        "--prompt-tokens", prompt.map(String.init).joined(separator: ","),
                        "--max-tokens", "\(greedy.count)", "--json",
                    ])
                    XCTAssertEqual(result.code, 0, result.stderr)
                    let json = try JSONValue.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                    XCTAssertEqual(json["tokens"]?.array?.compactMap(\.int), greedy,
                                   "\(file), prompt of \(prompt.count)")
                }
            }
        }
    }

    /// A GGUF file is inspected as a model like a directory (family, configuration, tokenizer, summary prompt), with
    /// its header's vocabulary and memory; --task and --heads change nothing, since the file states both.
    func testInspectOfAGGUFFileShowsTheModelItRuns() throws {
        let path = fixtures.appendingPathComponent("gguf/chat-chatml.gguf").path
        for extra in [[], ["--task", "summarize", "--heads", "2"]] {
            let result = try Binary.run(["inspect", path] + extra)
            XCTAssertEqual(result.code, 0, result.stderr)
            let lines = result.stdout.split(separator: "\n").map(String.init)
            XCTAssertTrue(lines.contains("format: GGUF v3 (qwen2)"), result.stdout)
            XCTAssertTrue(lines.contains { $0.hasPrefix("architecture: Qwen2 (RMSNorm") }, result.stdout)
            XCTAssertTrue(lines.contains { $0.hasPrefix("config: n_embd 64, n_head 4 (head size 16)") }, result.stdout)
            XCTAssertTrue(lines.contains("tokenizer: the file's vocabulary (259 tokens)"), result.stdout)
            XCTAssertTrue(lines.contains("summary prompt: ChatML (from the chat template)"), result.stdout)
            XCTAssertTrue(lines.contains("vocabulary: 259 tokens (tokenizer.ggml.model gpt2)"), result.stdout)
            XCTAssertTrue(lines.contains { $0.hasPrefix("bytes: ") && $0.contains("as fp32 once dequantized") },
                          result.stdout)
        }
    }

    /// A GGUF file gptls cannot run still shows its header, with a note that says why: an architecture it does not
    /// read, or a tensor the model needs and the file lacks.
    func testInspectOfAGGUFThatCannotRunShowsItsHeader() throws {
        let result = try Binary.run(["inspect", fixtures.appendingPathComponent("gguf/quants.gguf").path])
        XCTAssertEqual(result.code, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("architecture: quants"), result.stdout)
        XCTAssertTrue(result.stdout.contains("note: architecture quants is not one gptls reads"), result.stdout)

        var bytes = try Data(contentsOf: fixtures.appendingPathComponent("gguf/family-qwen3.gguf"))
        let name = Data("blk.1.attn_v.weight".utf8)
        bytes.replaceSubrange(try XCTUnwrap(bytes.range(of: name)), with: Data("blk.1.attn_X.weight".utf8))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-\(getpid())-no-v.gguf")
        try bytes.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let damaged = try Binary.run(["inspect", url.path])
        XCTAssertEqual(damaged.code, 0, damaged.stderr)
        XCTAssertTrue(damaged.stdout.contains("architecture: qwen3"), damaged.stdout)
        XCTAssertTrue(damaged.stdout.contains("note: gptls cannot run this file: \(url.lastPathComponent): tensor "
                                              + "blk.1.attn_v.weight is missing"), damaged.stdout)
    }
}
