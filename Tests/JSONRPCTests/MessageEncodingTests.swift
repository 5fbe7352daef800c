import JSON
import XCTest
@testable import JSONRPC

final class MessageEncodingTests: XCTestCase {
    private func text(_ message: Message) -> String { String(decoding: message.serialize(), as: UTF8.self) }

    func testWritesEachKindWithJsonrpcFirst() {
        XCTAssertEqual(text(.request(id: 1, method: "m", params: ["a": 1])),
                       #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":1}}"#)
        XCTAssertEqual(text(.notification(method: "n", params: nil)), #"{"jsonrpc":"2.0","method":"n"}"#)
        XCTAssertEqual(text(.success(id: "x", result: nil)), #"{"jsonrpc":"2.0","id":"x","result":null}"#)
        XCTAssertEqual(text(.failure(id: nil, error: ResponseError(.parseError, "bad"))),
                       #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}"#)
        XCTAssertEqual(text(.failure(id: 2, error: ResponseError(.requestCancelled, "cancelled", data: ["k": 1]))),
                       #"{"jsonrpc":"2.0","id":2,"error":{"code":-32800,"message":"cancelled","data":{"k":1}}}"#)
    }

    func testEveryMessageRoundTrips() throws {
        let messages: [Message] = [
            .request(id: .int(.max), method: "textDocument/inlineCompletion", params: [1, "two"]),
            .notification(method: "$/cancelRequest", params: ["id": "abc"]),
            .success(id: 9, result: ["items": []]),
            .failure(id: "q", error: ResponseError(.contentModified, "document changed")),
        ]
        for message in messages {
            XCTAssertEqual(try Message(body: message.serialize()), message)
        }
    }

    func testFramedMessagesCarryTheirByteLength() {
        let framed = Message.notification(method: "é", params: nil).framed()
        XCTAssertEqual(framed, Framing.encode(Array(#"{"jsonrpc":"2.0","method":"é"}"#.utf8)))
        XCTAssertTrue(String(decoding: framed, as: UTF8.self).hasPrefix("Content-Length: 31\r\n\r\n"))
    }

    func testErrorCodesHaveTheirSpecifiedValues() {
        let expected: [(ErrorCode, Int)] = [
            (.parseError, -32700), (.invalidRequest, -32600), (.methodNotFound, -32601), (.invalidParams, -32602),
            (.internalError, -32603), (.serverNotInitialized, -32002), (.unknownErrorCode, -32001),
            (.requestFailed, -32803), (.serverCancelled, -32802), (.contentModified, -32801),
            (.requestCancelled, -32800),
        ]
        for (code, value) in expected {
            XCTAssertEqual(code.rawValue, value, code.description)
            XCTAssertNotNil(code.name)
        }
        XCTAssertEqual(ErrorCode(-32700).description, "-32700 ParseError")
    }
}
