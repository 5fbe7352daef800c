import Foundation
import JSON
import JSONRPC
import XCTest

/// The built binary takes the book's `.pth` files in every command (fixtures of Tests/ModelTestSupport/Fixtures/pth,
/// made by training/fixtures/make_pth_fixtures.py; their width of 16 is not a GPT-2 size, hence `--heads 2`).
final class PthCommandTests: XCTestCase {
    private let fixtures = Binary.repository.appendingPathComponent("Tests/ModelTestSupport/Fixtures/pth")
    private let marker = "/tmp/gptls-pwned"

    private func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    private func reference(_ stem: String) throws -> [String: Any] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(stem + ".json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testInspectDescribesAPthFile() throws {
        let result = try Binary.run(["inspect", fixture("transposed.pth"), "--heads", "2"])
        XCTAssertEqual(result.code, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("format: PyTorch checkpoint (torch.save zip, state dict)"), result.stdout)
        XCTAssertTrue(lines.contains("naming scheme: book GPTModel"), result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("config: n_embd 16, n_head 2 (head size 8), n_layer 2, n_positions 16, vocab_size 64") },
                      result.stdout)
        XCTAssertTrue(lines.contains("tokenizer: GPT-2's (shipped with gptls)"), result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("note: 13 tensors are strided views") }, result.stdout)
    }

    func testGenerateFromAPthGivesPyTorchsGreedyTokens() throws {
        let expected = try XCTUnwrap(try reference("transposed")["greedy"] as? [[Int]])
        let result = try Binary.run(["generate", "--model", fixture("transposed.pth"), "--heads", "2",
                                     "--prompt-tokens", "1,7,42", "--max-tokens", "8", "--json"])
        XCTAssertEqual(result.code, 0, result.stderr)
        let json = try JSONValue.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(json["tokens"]?.array?.compactMap(\.int), expected[0])
    }

    func testAHostilePthIsRefusedByTheCommandAndNothingRuns() throws {
        try? FileManager.default.removeItem(atPath: marker)
        for command in [["inspect", fixture("hostile_os_system.pth")],
                        ["generate", "--model", fixture("hostile_os_system.pth"), "--prompt-tokens", "1"]] {
            let result = try Binary.run(command)
            XCTAssertNotEqual(result.code, 0, command.joined(separator: " "))
            XCTAssertTrue(result.stderr.contains("hostile_os_system.pth: the pickle calls os.system"), result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "a hostile pickle ran a command")
    }

    func testAnUnusualWidthWithoutHeadsSaysHowToGiveThem() throws {
        let result = try Binary.run(["inspect", fixture("contiguous.pth")])
        XCTAssertNotEqual(result.code, 0)
        XCTAssertTrue(result.stderr.contains("n_embd 16 is not a standard GPT-2 width"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--heads N"), result.stderr)
    }

    /// The README's recipe for the book's spam classifier: a directory with manifest.json naming the .pth, its labels
    /// and chapter 6's padding, served over real pipes.
    func testServeClassifiesWithAPthClassifierNamedByAManifest() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-pth-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = """
            {"format": "gptls-manifest-1", "heads": 2,
             "tasks": {"completion": {"weights": "\(fixture("contiguous.pth"))"},
                       "classify": {"weights": "\(fixture("classifier.pth"))", "labels": ["not spam", "spam"],
                                    "max_tokens": 12, "pad_to_max_tokens": true, "pad_token_id": 63}}}
            """
        try Data(manifest.utf8).write(to: directory.appendingPathComponent("manifest.json"))
        let classification = try XCTUnwrap(try reference("classifier")["classification"] as? [String: Any])
        let cases = try XCTUnwrap(classification["cases"] as? [[String: Any]])
        let first = try XCTUnwrap(cases.first)
        let logits = try XCTUnwrap(first["logits"] as? [Double])
        let label = ["not spam", "spam"][try XCTUnwrap(first["label"] as? Int)]
        let probability = 1 / (1 + exp(-abs(logits[1] - logits[0])))  // softmax of the larger of two logits

        // f32: the probability is compared with PyTorch's fp32 figure to 1e-4, closer than bf16 weights hold it.
        let server = try RawServer(arguments: ["serve", "--model", directory.path, "--weights", "f32",
                                               "--log-level", "warning"])
        defer { server.stop() }
        func send(_ message: JSONValue) { server.write(Framing.encode(message.serialize())) }
        func reply(to id: Int) throws -> JSONValue {
            while true {
                let message = try server.readMessage(timeout: 60, place: "reply \(id)")
                if message["id"]?.int == id { return message }
            }
        }
        send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["processId": .null, "capabilities": [:]]])
        _ = try reply(to: 1)
        send(["jsonrpc": "2.0", "method": "initialized", "params": [:]])
        send(["jsonrpc": "2.0", "id": 2, "method": "gptls/classify",
              "params": ["text": .string(try XCTUnwrap(first["text"] as? String))]])
        let result = try XCTUnwrap(try reply(to: 2)["result"], "no result")
        XCTAssertEqual(result["label"]?.string, label)
        let top = try XCTUnwrap(result["scores"]?.array?.first)
        XCTAssertEqual(top["label"]?.string, label)
        XCTAssertEqual(try XCTUnwrap(top["probability"]?.double), probability, accuracy: 1e-4)
    }
}
