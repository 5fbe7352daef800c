import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// `gptls serve` on a tiny Qwen2 whose tokenizer has Qwen2.5-Coder's FIM tokens (family-qwen2-fim, byte-level, so
/// a prompt's token count is its byte count plus its control tokens), driven as an editor drives it: the prompt holds
/// the text after the cursor and, with the `context` setting, the other open document in the repository form; typing
/// in the middle of the file keeps reusing the cached context block and prefix.
final class FIMServeTests: XCTestCase {
    private static let model = Binary.repository.appendingPathComponent("Tests/ModelTestSupport/Fixtures/family-qwen2-fim")
    private static let before = """
        def mean(values):
            total = 0
            for value in values:
                total += value
            return total / len(values)


        def variance(values):
            centre = mean(values)
            return\u{20}
        """
    private static let after = "\n\n\nprint(variance([1, 2, 3]))\n"
    private static let util = "def mean_of(values):\n    return sum(values) / len(values)\n"

    /// Starts `gptls serve` on the FIM model with util.py and stats.py open, the context setting as given.
    private func serve(context: Bool) throws -> ServerProcess {
        let server = try ServerProcess(executable: try Binary.gptls,
                                       arguments: ["serve", "--model", Self.model.path, "--log-level", "warning"],
                                       captureStandardError: true)
        _ = try server.client.request("initialize", params: [
            "processId": .null, "capabilities": [:],
            // Every keystroke to the model: a suggestion that predicts the typed text (the copy mixture makes that
            // likelier) would answer it from the completion cache, and this test is about the prompts.
            "initializationOptions": ["maxTokens": 8, "context": .bool(context), "completionCache": false],
        ], timeout: 60)
        server.client.notify("initialized", params: [:])
        for (uri, text) in [("file:///t/util.py", Self.util), ("file:///t/stats.py", Self.before + Self.after)] {
            server.client.notify("textDocument/didOpen", params: ["textDocument": [
                "uri": .string(uri), "languageId": "python", "version": 1, "text": .string(text),
            ]])
        }
        return server
    }

    /// Types `keys` at the end of `before` (the middle of stats.py), asking for a completion after each; the
    /// metrics of each answer.
    private func type(_ keys: String, into server: ServerProcess) throws -> [JSONValue] {
        var cursor = TypingCursor(after: Self.before)
        var metrics: [JSONValue] = []
        for (index, key) in keys.enumerated() {
            let at: JSONValue = ["line": .int(cursor.line), "character": .int(cursor.character)]
            server.client.notify("textDocument/didChange", params: [
                "textDocument": ["uri": "file:///t/stats.py", "version": .int(index + 2)],
                "contentChanges": [["range": ["start": at, "end": at], "text": .string(String(key))]],
            ])
            cursor.advance(over: key)
            let result = try server.client.request("textDocument/inlineCompletion", params: [
                "textDocument": ["uri": "file:///t/stats.py"],
                "position": ["line": .int(cursor.line), "character": .int(cursor.character)],
                "context": ["triggerKind": 2],
            ], timeout: 60)
            metrics.append(try XCTUnwrap(result["metrics"], result.jsonText))
        }
        return metrics
    }

    func testTheFIMPromptHoldsTheSuffixAndTheOtherDocumentAndTypingKeepsReusingIt() throws {
        let typed = "sum_of"
        let block = 1 + "workspace\n".utf8.count + 1 + "util.py\n".utf8.count + Self.util.utf8.count
            + 1 + "stats.py\n".utf8.count
        for context in [false, true] {
            let server = try serve(context: context)
            defer { server.stop() }
            let metrics = try type(typed, into: server)
            let prompts = metrics.compactMap { $0["promptTokens"]?.int }
            let reused = metrics.compactMap { $0["reusedTokens"]?.int }
            let computed = metrics.compactMap { $0["computedTokens"]?.int }
            print("FIM, context \(context ? "on" : "off"): prompt tokens \(prompts), reused \(reused), "
                  + "computed \(computed)")
            XCTAssertEqual(prompts.count, typed.count, metrics.map(\.jsonText).joined())
            for (index, prompt) in prompts.enumerated() {
                let prefix = Self.before.utf8.count + index + 1
                XCTAssertEqual(prompt, (context ? block : 0) + 1 + prefix + 1 + Self.after.utf8.count + 1,
                               "prefix, suffix and three FIM tokens\(context ? ", after the context block" : "")")
            }
            for index in computed.indices.dropFirst() {
                // Each keystroke recomputes its new byte, the suffix after it and the middle token; the context
                // block and the prefix before the new byte come from the cache.
                XCTAssertLessThanOrEqual(computed[index], 2 + 1 + Self.after.utf8.count + 1, "keystroke \(index)")
                XCTAssertGreaterThanOrEqual(reused[index], (context ? block : 0) + Self.before.utf8.count,
                                            "keystroke \(index)")
            }
        }
    }
}
