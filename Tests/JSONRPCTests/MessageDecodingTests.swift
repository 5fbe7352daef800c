import Foundation
import JSON
import XCTest
@testable import JSONRPC

final class MessageDecodingTests: XCTestCase {
    private func decode(_ text: String) throws(InvalidMessage) -> Message {
        try Message(body: Array(text.utf8))
    }

    /// The error a body gets, or nil when it decodes.
    private func failure(_ bytes: [UInt8]) -> InvalidMessage? {
        do {
            _ = try Message(body: bytes)
            return nil
        } catch {
            return error
        }
    }

    private func failure(_ text: String) -> InvalidMessage? { failure(Array(text.utf8)) }

    func testDecodesRequestsNotificationsAndResponses() throws {
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null}}"#),
                       .request(id: 1, method: "initialize", params: ["processId": nil]))
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","id":"a-1","method":"shutdown"}"#),
                       .request(id: "a-1", method: "shutdown", params: nil))
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","method":"exit","params":[1]}"#),
                       .notification(method: "exit", params: [1]))
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","method":"exit","params":null}"#),
                       .notification(method: "exit", params: nil))
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","id":3,"result":null}"#), .success(id: 3, result: nil))
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad","data":1}}"#),
                       .failure(id: nil, error: ResponseError(.parseError, "bad", data: 1)))
    }

    func testInvalidJSONIsAParseErrorWithANullID() throws {
        for body in [#"{"jsonrpc":"2.0","id":1,"method":"x""#, "{bad}", #"{"a":1} trailing"#] {
            let error = try XCTUnwrap(failure(body), body)
            XCTAssertEqual(error.error.code, .parseError, body)
            XCTAssertNil(error.id)
            XCTAssertEqual(error.reply?.json["id"], .null)
        }
    }

    /// The example of protocol/README.md (section Transport, Error codes).
    func testParseErrorReplyReadsAsInTheProtocolREADME() throws {
        let reply = try XCTUnwrap(failure(#"{"jsonrpc":"2.0","id":1,"method":"#)?.reply)
        XCTAssertEqual(String(decoding: reply.framed(), as: UTF8.self), "Content-Length: 202\r\n\r\n"
            + #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"message body is not valid JSON: line 1, column 33 (byte 33): unexpected token near end of file","data":{"line":1,"column":33,"position":33}}}"#)
    }

    func testInvalidUTF8IsAParseErrorThatSaysWhere() throws {
        let body = Array(#"{"jsonrpc":"2.0","id":1,"method":"x","params":[""#.utf8) + [0xC0, 0xAF] + Array(#""]}"#.utf8)
        let error = try XCTUnwrap(failure(body))
        XCTAssertEqual(error.error.code, .parseError)
        XCTAssertNil(error.id)
        XCTAssertEqual(error.error.data?["line"], 1)
        XCTAssertTrue(error.error.message.contains("0xc0"), error.error.message)
    }

    func testInvalidRequestRows() throws {
        // (body, id the reply must carry)
        let rows: [(String, RequestID?)] = [
            (#"[{"jsonrpc":"2.0","id":1,"method":"x"}]"#, nil),       // a batch
            ("[]", nil),                                                 // an empty batch
            ("42", nil),                                                 // not an object
            (#""text""#, nil),
            (#"{"id":1,"method":"x"}"#, 1),                              // no jsonrpc
            (#"{"jsonrpc":"1.0","id":2,"method":"x"}"#, 2),              // wrong jsonrpc
            (#"{"jsonrpc":2.0,"id":"s","method":"x"}"#, "s"),            // jsonrpc not a string
            (#"{"jsonrpc":"2.0","id":null,"method":"x"}"#, nil),         // null id
            (#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#, nil),          // float id
            (#"{"jsonrpc":"2.0","id":1.0,"method":"x"}"#, nil),          // an integer written as a float
            (#"{"jsonrpc":"2.0","id":true,"method":"x"}"#, nil),         // bool id
            (#"{"jsonrpc":"2.0","id":{},"method":"x"}"#, nil),           // object id
            (#"{"jsonrpc":"2.0","id":[1],"method":"x"}"#, nil),          // array id
            (#"{"jsonrpc":"2.0","id":4,"method":5}"#, 4),                // method not a string
            (#"{"jsonrpc":"2.0","id":5,"method":null}"#, 5),
            (#"{"jsonrpc":"2.0","id":6,"method":"x","params":"s"}"#, 6), // params not structured
            (#"{"jsonrpc":"2.0","id":7,"method":"x","params":3}"#, 7),
            (#"{"jsonrpc":"2.0","method":"x","params":true}"#, nil),    // a notification with bad params
            (#"{"jsonrpc":"2.0","id":8}"#, 8),                           // neither request nor response
            ("{}", nil),
        ]
        for (body, id) in rows {
            let error = try XCTUnwrap(failure(body), body)
            XCTAssertEqual(error.error.code, .invalidRequest, body)
            XCTAssertEqual(error.id, id, body)
            XCTAssertTrue(error.repliable, body)
            XCTAssertEqual(error.reply?.json["id"], id?.json ?? .null, body)
        }
    }

    func testMalformedResponsesAreNotAnswered() throws {
        for body in [#"{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"m"}}"#,
                     #"{"jsonrpc":"2.0","id":null,"result":1}"#,
                     #"{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}}"#,
                     #"{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}}"#,
                     #"{"jsonrpc":"2.0","id":true,"error":{"code":1,"message":"m"}}"#] {
            let error = try XCTUnwrap(failure(body), body)
            XCTAssertFalse(error.repliable, body)
            XCTAssertNil(error.reply, body)
        }
    }

    func testErrorsReadAsSentencesNamingTheProblem() throws {
        XCTAssertEqual(failure(#"{"jsonrpc":"2.0","id":1,"method":"m","params":"s"}"#)?.error.message,
                       #"m: "params" is a string, expected an object or an array"#)
        XCTAssertEqual(failure(#"{"jsonrpc":"1.0","id":1,"method":"m"}"#)?.error.message,
                       #"message has "jsonrpc": "1.0", expected "2.0""#)
    }

    /// Every JSONTestSuite file as a message body: invalid JSON always gets -32700 (never a crash); valid JSON
    /// that is not a JSON-RPC message gets -32600, never -32700.
    func testJSONTestSuiteFilesAsMessageBodies() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../JSONTests/Fixtures/JSONTestSuite/test_parsing").standardized
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(names.filter { $0.hasSuffix(".json") }.count, 318)
        for name in names where name.hasSuffix(".json") {
            let body = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
            let error = failure(body)
            if name.hasPrefix("n_") {
                XCTAssertEqual(error?.error.code, .parseError, name)
                XCTAssertEqual(error?.reply?.json["id"], .null, name)
            } else if name.hasPrefix("y_"), name != "y_object_escaped_null_in_key.json" {
                XCTAssertEqual(error?.error.code, .invalidRequest, name)
            } else {
                XCTAssertTrue([.parseError, .invalidRequest].contains(error?.error.code), name)
            }
        }
    }
}
