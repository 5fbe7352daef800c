import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// `gptls serve` with the test model (the bundled one in a checkout), driven as an editor drives it: a user who types
/// the characters of a shown suggestion gets the rest from the completion cache, and one who accepts it and goes on
/// gets the completion that was computed ahead; neither runs the model for the request (the replies' metrics and the
/// engine's figures say so).
final class CompletionCacheServeTests: XCTestCase {
    private static let uri = "file:///t/stats.py"
    private static let document = """
        def mean(values):
            total = 0
            for value in v
        """

    private func serve(_ options: JSONObject = [:]) throws -> ServerProcess {
        let server = try Binary.serve()
        var settings: JSONObject = ["maxTokens": 16, "deadlineMs": 60000]
        for (key, value) in options.members { settings[key] = value }
        _ = try server.client.request("initialize", params: [
            "processId": .null, "capabilities": [:], "initializationOptions": .object(settings),
        ], timeout: 120)
        server.client.notify("initialized", params: [:])
        server.client.notify("textDocument/didOpen", params: ["textDocument": [
            "uri": .string(Self.uri), "languageId": "python", "version": 1, "text": .string(Self.document),
        ]])
        return server
    }

    private func complete(_ server: ServerProcess, at cursor: TypingCursor) throws -> JSONValue {
        try server.client.request("textDocument/inlineCompletion", params: [
            "textDocument": ["uri": .string(Self.uri)],
            "position": ["line": .int(cursor.line), "character": .int(cursor.character)],
            "context": ["triggerKind": 2],
        ], timeout: 120)
    }

    /// Inserts `text` at `cursor` in one change (a keystroke, or an accepted suggestion) and moves the cursor past it.
    private func insert(_ text: String, into server: ServerProcess, at cursor: inout TypingCursor, version: Int) {
        server.client.notify("textDocument/didChange", params: [
            "textDocument": ["uri": .string(Self.uri), "version": .int(version)],
            "contentChanges": [[
                "range": ["start": ["line": .int(cursor.line), "character": .int(cursor.character)],
                          "end": ["line": .int(cursor.line), "character": .int(cursor.character)]],
                "text": .string(text),
            ]],
        ])
        for character in text { cursor.advance(over: character) }
    }

    /// `gptls/status` once no completion is being computed ahead any more.
    private func settledStatus(_ server: ServerProcess) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(120)
        while true {
            let status = try server.client.request("gptls/status", timeout: 60)
            if status["completionCache"]?["prefetching"] == 0 { return status }
            guard Date() < deadline else { throw HarnessError("the prefetch never finished: \(status.jsonText)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The engine's work so far: prompt tokens computed and tokens generated.
    private func work(_ status: JSONValue) throws -> [Int] {
        [try XCTUnwrap(status["models"]?["promptTokensComputed"]?.int, status.jsonText),
         try XCTUnwrap(status["models"]?["tokensGenerated"]?.int, status.jsonText)]
    }

    private func suggestion(_ result: JSONValue) throws -> String {
        try XCTUnwrap(result["items"]?[0]?["insertText"]?.string, "no suggestion: \(result.jsonText)")
    }

    private func assertFromCache(_ result: JSONValue, _ place: String, file: StaticString = #filePath,
                                 line: UInt = #line) {
        let metrics = result["metrics"]
        XCTAssertEqual(metrics?["cached"], true, "\(place): \(result.jsonText)", file: file, line: line)
        for figure in ["promptTokens", "computedTokens", "generatedTokens"] {
            XCTAssertEqual(metrics?[figure], 0, "\(place): \(figure) in \(result.jsonText)", file: file, line: line)
        }
    }

    func testTypingTheCharactersOfAShownSuggestionGetsTheRestWithZeroModelTokens() throws {
        let server = try serve()
        defer { server.stop() }
        var cursor = TypingCursor(after: Self.document)
        let first = try complete(server, at: cursor)
        let shown = try suggestion(first)
        XCTAssertGreaterThan(try XCTUnwrap(first["metrics"]?["computedTokens"]?.int), 0)
        let line = shown.prefix { !$0.isNewline }
        XCTAssertGreaterThanOrEqual(line.count, 2, "the test needs a suggestion of two characters: \(shown)")
        let before = try work(try settledStatus(server))
        var typed = ""
        for (index, key) in line.prefix(3).enumerated() {
            insert(String(key), into: server, at: &cursor, version: index + 2)
            typed.append(key)
            let result = try complete(server, at: cursor)
            XCTAssertEqual(try suggestion(result), String(shown.dropFirst(typed.count)), "after typing \(typed)")
            assertFromCache(result, "after typing \(typed)")
        }
        let after = try settledStatus(server)
        XCTAssertEqual(try work(after), before, "the engine computed nothing for the typed characters")
        XCTAssertEqual(after["completionCache"]?["hits"]?.int, min(3, line.count))
    }

    func testAcceptingASuggestionAndGoingOnComputesNoNewTokensAfterThePrefetch() throws {
        let server = try serve()
        defer { server.stop() }
        var cursor = TypingCursor(after: Self.document)
        let shown = try suggestion(try complete(server, at: cursor))
        let settled = try settledStatus(server)
        XCTAssertEqual(settled["completionCache"]?["entries"], 2,
                       "the suggestion and the one after its acceptance: \(settled.jsonText)")
        let finished = try XCTUnwrap(settled["models"]?["jobsFinished"]?.int)
        insert(shown, into: server, at: &cursor, version: 2)
        let next = try complete(server, at: cursor)
        assertFromCache(next, "after accepting \(shown)")
        let continuation = try suggestion(next)
        // The engine's only job since is the prefetch for the continuation's own acceptance.
        let after = try settledStatus(server)
        XCTAssertEqual(after["models"]?["jobsFinished"]?.int, finished + 1, after.jsonText)
        XCTAssertEqual(after["completionCache"]?["entries"], 3, after.jsonText)

        // The prefetched text is what the model says there when asked directly.
        let direct = try serve(["completionCache": false])
        defer { direct.stop() }
        var directCursor = TypingCursor(after: Self.document)
        insert(shown, into: direct, at: &directCursor, version: 2)
        let asked = try complete(direct, at: directCursor)
        XCTAssertNil(asked["metrics"]?["cached"])
        XCTAssertEqual(try suggestion(asked), continuation)
        XCTAssertEqual(try direct.client.request("gptls/status", timeout: 60)["completionCache"],
                       ["entries": 0, "hits": 0, "prefetching": 0])
    }
}
