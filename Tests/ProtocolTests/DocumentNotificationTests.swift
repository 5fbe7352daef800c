import JSON
import JSONRPC
import Protocol
import XCTest

/// didOpen, didChange, didClose and $/cancelRequest: what they carry and how bad ones are refused.
final class DocumentNotificationTests: XCTestCase {
    private let uri = JSONValue.string(Decoding.stats)

    private func invalid(_ message: String) -> ResponseError { ResponseError(.invalidParams, message) }

    private func error<N: NotificationType>(_ type: N.Type, _ params: JSONValue?) -> ResponseError? {
        Decoding.error { () throws(ResponseError) in try Decoding.notification(type, params) }
    }

    func testDidOpenCarriesTheDocument() throws {
        let text = "def mean(values):\n    return sum(values) / len(values)\n\n\ndef "
        let opened = try Decoding.notification(DidOpenTextDocumentNotification.self, [
            "textDocument": ["uri": uri, "languageId": "python", "version": 1, "text": .string(text)],
        ])
        XCTAssertEqual(opened.textDocument, TextDocumentItem(uri: Decoding.stats, languageID: "python", version: 1, text: text))
    }

    func testDidOpenDefaultsTheLanguageAndVersion() throws {
        let opened = try Decoding.notification(DidOpenTextDocumentNotification.self, [
            "textDocument": ["uri": uri, "languageId": 5, "version": "one", "text": ""],
        ])
        XCTAssertEqual(opened.textDocument.languageID, "plaintext")
        XCTAssertEqual(opened.textDocument.version, 0)
    }

    func testDidOpenNeedsAURIThenAText() {
        let type = DidOpenTextDocumentNotification.self
        XCTAssertEqual(error(type, nil), invalid("textDocument/didOpen: params must be an object"))
        XCTAssertEqual(error(type, ["textDocument": ["text": 1]]),
                       invalid("didOpen: textDocument.uri must be a string, not missing"))
        XCTAssertEqual(error(type, ["textDocument": ["uri": uri, "text": nil]]),
                       invalid("didOpen: textDocument.text must be a string, not null"))
    }

    func testDidChangeCarriesRangeAndFullTextChangesInOrder() throws {
        let changed = try Decoding.notification(DidChangeTextDocumentNotification.self, [
            "textDocument": ["uri": uri, "version": 2],
            "contentChanges": [
                ["range": ["start": ["line": 4, "character": 4], "end": ["line": 4, "character": 4]], "text": "m"],
                ["text": "whole"],
            ],
        ])
        XCTAssertEqual(changed.textDocument.uri, Decoding.stats)
        XCTAssertEqual(changed.version, 2)
        XCTAssertEqual(changed.contentChanges, [
            TextDocumentContentChangeEvent(range: Range(at: Position(line: 4, character: 4)), text: "m"),
            TextDocumentContentChangeEvent(range: nil, text: "whole"),
        ])
    }

    func testDidChangeWithoutAnIntegerVersionLeavesItToTheDocument() throws {
        let changed = try Decoding.notification(DidChangeTextDocumentNotification.self, [
            "textDocument": ["uri": uri, "version": nil], "contentChanges": [],
        ])
        XCTAssertNil(changed.version)
    }

    func testDidChangeErrorsNameTheEntry() {
        let type = DidChangeTextDocumentNotification.self
        let document: JSONValue = ["uri": uri]
        XCTAssertEqual(error(type, [1]), invalid("textDocument/didChange: params must be an object"))
        XCTAssertEqual(error(type, ["contentChanges": []]), invalid("didChange: textDocument.uri must be a string, not missing"))
        XCTAssertEqual(error(type, ["textDocument": document]), invalid("didChange: contentChanges must be an array"))
        XCTAssertEqual(error(type, ["textDocument": document, "contentChanges": [["text": "a"], ["range": nil, "text": "b"]]]),
                       invalid("didChange: contentChanges[1].range.start.line must be an integer, not missing"))
        XCTAssertEqual(error(type, ["textDocument": document, "contentChanges": [["text": "a"], [:]]]),
                       invalid("didChange: contentChanges[1].text must be a string, not missing"))
        XCTAssertEqual(error(type, ["textDocument": document, "contentChanges": [[
            "range": ["start": ["line": 0, "character": 0], "end": ["line": 0, "character": -2]], "text": "",
        ]]]), invalid("didChange: contentChanges[0].range.end must not be negative (line 0, character -2)"))
    }

    func testAChangeNamesItsDocumentBeforeItsChangesAreRead() {
        // The server ignores a change to a document that is not open from this alone, so junk changes are not refused.
        let method = DidChangeTextDocumentNotification.method
        XCTAssertEqual(ClientNotification.requiredDocument(method: method, params: [
            "textDocument": ["uri": uri, "version": 3], "contentChanges": "junk",
        ]), RequiredDocument(uri: Decoding.stats, method: method))
        XCTAssertNil(ClientNotification.requiredDocument(method: method, params: ["textDocument": ["uri": 3]]))
        XCTAssertNil(ClientNotification.requiredDocument(method: DidCloseTextDocumentNotification.method,
                                                         params: ["textDocument": ["uri": uri]]))
    }

    func testDidCloseNeedsAURI() throws {
        let type = DidCloseTextDocumentNotification.self
        XCTAssertEqual(try Decoding.notification(type, ["textDocument": ["uri": uri]]).textDocument.uri,
                       Decoding.stats)
        XCTAssertEqual(error(type, "x"), invalid("textDocument/didClose: params must be an object"))
        XCTAssertEqual(error(type, ["textDocument": ["uri": 3]]), invalid("didClose: textDocument.uri must be a string, not 3"))
    }

    func testCancelRequestTakesAnIntegerOrStringID() throws {
        let type = CancelRequestNotification.self
        XCTAssertEqual(try Decoding.notification(type, ["id": 999]).id, .int(999))
        XCTAssertEqual(try Decoding.notification(type, ["id": "req-1"]).id, .string("req-1"))
        let bad = invalid("$/cancelRequest: params.id must be an integer or a string")
        for params: JSONValue? in [nil, [:], ["id": 1.5], ["id": 2.0], ["id": nil], [1], "1"] {
            XCTAssertEqual(error(type, params), bad, params?.jsonText ?? "nil")
        }
    }
}
