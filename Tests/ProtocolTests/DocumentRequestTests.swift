import JSON
import JSONRPC
import Protocol
import XCTest

/// Inline completion, completion and code actions: params of an open document, errors in the server's order.
final class DocumentRequestTests: XCTestCase {
    private let inline = "textDocument/inlineCompletion"

    private func inlineError(_ params: JSONValue?, _ open: Decoding.OpenDocuments = Decoding.statsOpen) -> ResponseError? {
        Decoding.error { () throws(ResponseError) in try Decoding.request(InlineCompletionRequest.self, params, open) }
    }

    private func invalid(_ message: String) -> ResponseError { ResponseError(.invalidParams, message) }

    func testInlineCompletionDecodesTheTranscriptsParams() throws {
        let request = try Decoding.request(InlineCompletionRequest.self, [
            "textDocument": ["uri": "file:///t/stats.py"], "position": ["line": 4, "character": 5],
            "context": ["triggerKind": 2],
        ])
        XCTAssertEqual(request.textDocument.uri, "file:///t/stats.py")
        XCTAssertEqual(request.position, Position(line: 4, character: 5))
    }

    func testParamsMustBeAnObject() {
        XCTAssertEqual(inlineError(nil), invalid("\(inline): params must be an object"))
        XCTAssertEqual(inlineError([1]), invalid("\(inline): params must be an object"))
        XCTAssertEqual(inlineError("x"), invalid("\(inline): params must be an object"))
    }

    func testAMissingURIIsNamed() {
        XCTAssertEqual(inlineError([:]), invalid("\(inline): textDocument.uri must be a string, not missing"))
        XCTAssertEqual(inlineError(["textDocument": ["uri": 3]]),
                       invalid("\(inline): textDocument.uri must be a string, not 3"))
    }

    func testADocumentThatIsNotOpenIsRefusedBeforeThePositionIsRead() {
        let notOpen = invalid("\(inline): file:///nope is not open; send textDocument/didOpen first")
        XCTAssertEqual(inlineError(["textDocument": ["uri": "file:///nope"]]), notOpen)
        XCTAssertEqual(inlineError(["textDocument": ["uri": "file:///nope"], "position": ["line": -1]]), notOpen)
        XCTAssertEqual(ResponseError.documentNotOpen(uri: "file:///nope", method: inline), notOpen)
    }

    func testABadPositionNamesItsMember() {
        let document: JSONValue = ["uri": .string(Decoding.stats)]
        XCTAssertEqual(inlineError(["textDocument": document]),
                       invalid("\(inline): position.line must be an integer, not missing"))
        XCTAssertEqual(inlineError(["textDocument": document, "position": ["line": "0", "character": 0]]),
                       invalid("\(inline): position.line must be an integer, not \"0\""))
        XCTAssertEqual(inlineError(["textDocument": document, "position": ["line": 0, "character": 1.5]]),
                       invalid("\(inline): position.character must be an integer, not 1.5"))
        XCTAssertEqual(inlineError(["textDocument": document, "position": ["line": 2, "character": -1]]),
                       invalid("\(inline): position must not be negative (line 2, character -1)"))
    }

    func testAnIntegralFloatIsAnInteger() throws {
        let request = try Decoding.request(InlineCompletionRequest.self, [
            "textDocument": ["uri": .string(Decoding.stats)], "position": ["line": 2.0, "character": 3],
        ])
        XCTAssertEqual(request.position, Position(line: 2, character: 3))
    }

    func testCompletionChecksInTheSameOrderWithItsOwnName() {
        func error(_ params: JSONValue?, _ open: Decoding.OpenDocuments = Decoding.statsOpen) -> ResponseError? {
            Decoding.error { () throws(ResponseError) in try Decoding.request(CompletionRequest.self, params, open) }
        }
        let method = "textDocument/completion"
        XCTAssertEqual(error(nil), invalid("\(method): params must be an object"))
        XCTAssertEqual(error(["position": ["line": 0, "character": 0]]),
                       invalid("\(method): textDocument.uri must be a string, not missing"))
        XCTAssertEqual(error(["textDocument": ["uri": .string(Decoding.stats)]], Decoding.noneOpen),
                       invalid("\(method): \(Decoding.stats) is not open; send textDocument/didOpen first"))
        XCTAssertEqual(error(["textDocument": ["uri": .string(Decoding.stats)], "position": [:]]),
                       invalid("\(method): position.line must be an integer, not missing"))
    }

    func testCodeActionDecodesItsRange() throws {
        let request = try Decoding.request(CodeActionRequest.self, [
            "textDocument": ["uri": .string(Decoding.stats)],
            "range": ["start": ["line": 0, "character": 0], "end": ["line": 1, "character": 0]],
            "context": ["diagnostics": []],
        ])
        XCTAssertEqual(request.range, Range(start: Position(line: 0, character: 0), end: Position(line: 1, character: 0)))
    }

    func testCodeActionNeedsARangeAfterAnOpenDocument() {
        func error(_ params: JSONValue?, _ open: Decoding.OpenDocuments = Decoding.statsOpen) -> ResponseError? {
            Decoding.error { () throws(ResponseError) in try Decoding.request(CodeActionRequest.self, params, open) }
        }
        let method = "textDocument/codeAction"
        let document: JSONValue = ["uri": .string(Decoding.stats)]
        XCTAssertEqual(error(["textDocument": document], Decoding.noneOpen),
                       invalid("\(method): \(Decoding.stats) is not open; send textDocument/didOpen first"))
        XCTAssertEqual(error(["textDocument": document]),
                       invalid("\(method): range.start.line must be an integer, not missing"))
        XCTAssertEqual(error(["textDocument": document, "range": ["start": ["line": 0, "character": 0]]]),
                       invalid("\(method): range.end.line must be an integer, not missing"))
        XCTAssertEqual(error(["textDocument": document, "range": nil]),
                       invalid("\(method): range.start.line must be an integer, not missing"))
    }
}
