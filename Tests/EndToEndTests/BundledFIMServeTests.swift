import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// `gptls serve` on the bundled model, whose tokenizer has StarCoder's fill-in-the-middle tokens: an inline completion
/// in the middle of a file is prompted with the text after the cursor and, with the `context` setting, the other open
/// document; the suggestion never holds a control token's text.
final class BundledFIMServeTests: XCTestCase {
    private static let model = Binary.repository.appendingPathComponent("models/default")
    private static let before = """
        def mean(values):
            total = 0
            for value in values:
                total += value
            return total / len(
        """
    private static let after = ")\n\n\ndef variance(values):\n    centre = mean(values)\n"
    private static let util = "def mean_of(values):\n    return sum(values) / len(values)\n"

    /// The number of tokens of `text` in the bundled model's tokenizer, as `gptls tokenize --count` says.
    private func count(_ text: String) throws -> Int {
        let result = try Binary.run(["tokenize", "--model", Self.model.path, "--count", text])
        XCTAssertEqual(result.code, 0, result.stderr)
        return try XCTUnwrap(Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), result.stdout)
    }

    /// The reply to a completion request at the end of `before`, util.py and stats.py open, the context as given.
    private func complete(context: Bool) throws -> JSONValue {
        let server = try ServerProcess(executable: try Binary.gptls,
                                       arguments: ["serve", "--model", Self.model.path, "--log-level", "warning"],
                                       captureStandardError: true)
        defer { server.stop() }
        _ = try server.client.request("initialize", params: [
            "processId": .null, "capabilities": [:],
            "initializationOptions": ["maxTokens": 16, "deadlineMs": 60000, "context": .bool(context)],
        ], timeout: 120)
        server.client.notify("initialized", params: [:])
        for (uri, text) in [("file:///t/util.py", Self.util), ("file:///t/stats.py", Self.before + Self.after)] {
            server.client.notify("textDocument/didOpen", params: ["textDocument": [
                "uri": .string(uri), "languageId": "python", "version": 1, "text": .string(text),
            ]])
        }
        let cursor = TypingCursor(after: Self.before)
        return try server.client.request("textDocument/inlineCompletion", params: [
            "textDocument": ["uri": "file:///t/stats.py"],
            "position": ["line": .int(cursor.line), "character": .int(cursor.character)],
            "context": ["triggerKind": 2],
        ], timeout: 120)
    }

    func testACompletionInTheMiddleOfAFileIsPromptedWithTheSuffixAndTheOtherDocument() throws {
        let vocabulary = try String(contentsOf: Self.model.appendingPathComponent("vocab.json"), encoding: .utf8)
        try XCTSkipUnless(vocabulary.contains("\"<fim_prefix>\""),
                          "the bundled model has no FIM tokens (its recipe ran without the FIM step)")
        let fimTokens = 3
        // The bundled model reads the suffix first, so its prompt ends at the cursor, and the prompt's last token,
        // "(", is healed: taken off the prompt and begun by the first generated token.
        let healed = 1
        let prefixAndSuffix = try count(Self.before) + count(Self.after)
        let block = try 1 + count("workspace\n") + 1 + count("util.py\n" + Self.util) + 1 + count("stats.py\n")
        for context in [false, true] {
            let result = try complete(context: context)
            let prompt = try XCTUnwrap(result["metrics"]?["promptTokens"]?.int, result.jsonText)
            XCTAssertEqual(prompt, (context ? block : 0) + fimTokens + prefixAndSuffix - healed,
                           "context \(context): FIM tokens, suffix and prefix\(context ? " after the block" : "")")
            for item in result["items"]?.array ?? [] {
                let text = try XCTUnwrap(item["insertText"]?.string)
                for control in ["<fim_", "<file_sep>", "<reponame>", "<|endoftext|>"] {
                    XCTAssertFalse(text.contains(control), "context \(context): \(text.debugDescription)")
                }
            }
        }
    }
}
