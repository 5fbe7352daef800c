import JSON
import JSONRPC
import Protocol
import XCTest

/// The edge decoder for notifications: one case per known method, `unknown` for the rest.
final class ClientNotificationTests: XCTestCase {
    private func decode(_ method: String, _ params: JSONValue? = nil) throws -> ClientNotification {
        try ClientNotification(method: method, params: params)
    }

    func testEachMethodDecodesToItsCase() throws {
        let uri = JSONValue.string(Decoding.stats)
        XCTAssertEqual(try decode("initialized", [:]), .initialized(InitializedNotification()))
        XCTAssertEqual(try decode("exit"), .exit(ExitNotification()))
        XCTAssertEqual(try decode("textDocument/didOpen", ["textDocument": [
            "uri": uri, "languageId": "python", "version": 1, "text": "def "]]),
                       .didOpen(.init(textDocument: TextDocumentItem(uri: Decoding.stats, languageID: "python",
                                                                     version: 1, text: "def "))))
        XCTAssertEqual(try decode("textDocument/didChange", ["textDocument": ["uri": uri, "version": 2],
                                                             "contentChanges": [["text": "x"]]]),
                       .didChange(.init(textDocument: .init(uri: Decoding.stats), version: 2,
                                        contentChanges: [.init(range: nil, text: "x")])))
        XCTAssertEqual(try decode("textDocument/didClose", ["textDocument": ["uri": uri]]),
                       .didClose(.init(textDocument: .init(uri: Decoding.stats))))
        XCTAssertEqual(try decode("textDocument/didSave", ["textDocument": ["uri": uri]]),
                       .didSave(.init(uri: Decoding.stats)))
        XCTAssertEqual(try decode("workspace/didChangeConfiguration", ["settings": ["gptls": ["maxTokens": 8]]]),
                       .didChangeConfiguration(.init(rawSettings: ["gptls": ["maxTokens": 8]])))
        XCTAssertEqual(try decode("$/cancelRequest", ["id": 7]), .cancelRequest(.init(id: 7)))
        XCTAssertEqual(try decode("$/setTrace", ["value": "verbose"]), .setTrace(.init(value: "verbose")))
        XCTAssertEqual(try decode("$/logTrace", ["message": "hello"]), .logTrace(.init(message: "hello")))
    }

    func testCompletionFeedbackDecodesItsEventCharactersAndModelAndRefusesBadOnes() throws {
        XCTAssertEqual(try decode("gptls/completionFeedback", ["event": "partiallyAccepted", "acceptedCharacters": 3,
                                                              "model": "/m"]),
                       .completionFeedback(.init(event: .partiallyAccepted, acceptedCharacters: 3, model: "/m")))
        XCTAssertEqual(try decode("gptls/completionFeedback", ["event": "shown", "model": .null]),
                       .completionFeedback(.init(event: .shown)))
        let bad: [(JSONValue, String)] = [
            (["event": "kept"], "completionFeedback.event must be one of shown, accepted, partiallyAccepted, dismissed"),
            ([:], "completionFeedback.event must be a string, not missing"),
            (["event": "accepted", "acceptedCharacters": -2], "must not be negative"),
            (["event": "accepted", "model": 3], "completionFeedback.model must be a string, not 3"),
        ]
        for (params, message) in bad {
            XCTAssertThrowsError(try decode("gptls/completionFeedback", params)) { error in
                XCTAssertTrue((error as? ResponseError)?.message.contains(message) == true, "\(error)")
            }
        }
    }

    func testAnUnknownNotificationIsNotAnError() throws {
        let decoded = try decode("no/such/notification", "anything")
        XCTAssertEqual(decoded, .unknown(method: "no/such/notification"))
        XCTAssertEqual(decoded.method, "no/such/notification")
    }

    func testMethodNamesTheDecodedNotification() throws {
        let methods = ["initialized", "exit", "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose",
                       "textDocument/didSave", "workspace/didChangeConfiguration", "$/cancelRequest", "$/setTrace",
                       "$/logTrace"]
        let params: JSONValue = ["textDocument": ["uri": .string(Decoding.stats), "text": ""],
                                 "contentChanges": [], "id": 1]
        for method in methods {
            XCTAssertEqual(try decode(method, params).method, method)
        }
    }

    func testNotificationsThatChangeNothingAcceptAnyParams() throws {
        for method in ["initialized", "exit", "textDocument/didSave", "$/setTrace", "$/logTrace"] {
            XCTAssertNoThrow(try decode(method, [1, 2]), method)
            XCTAssertNoThrow(try decode(method, nil), method)
        }
        XCTAssertEqual(try decode("textDocument/didSave", [1]), .didSave(.init(uri: nil)))
        XCTAssertEqual(try decode("$/setTrace", ["value": 3]), .setTrace(.init(value: nil)))
    }
}
