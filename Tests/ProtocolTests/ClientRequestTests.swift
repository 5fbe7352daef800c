import JSON
import JSONRPC
import Protocol
import XCTest

/// The edge decoder: one case per method, `unknown` for the rest, errors only from params.
final class ClientRequestTests: XCTestCase {
    private func decode(_ method: String, _ params: JSONValue? = nil) throws -> ClientRequest {
        try ClientRequest(method: method, params: params)
    }

    func testEachMethodDecodesToItsCase() throws {
        let document: JSONValue = ["textDocument": ["uri": .string(Decoding.stats)]]
        let position: JSONValue = ["textDocument": ["uri": .string(Decoding.stats)],
                                   "position": ["line": 4, "character": 4], "context": ["triggerKind": 1]]
        let range: JSONValue = ["start": ["line": 0, "character": 0], "end": ["line": 2, "character": 0]]

        XCTAssertEqual(try decode("initialize", ["processId": nil, "capabilities": [:]]),
                       .initialize(InitializeRequest()))
        XCTAssertEqual(try decode("shutdown"), .shutdown(ShutdownRequest()))
        let at = Position(line: 4, character: 4)
        XCTAssertEqual(try decode("textDocument/inlineCompletion", position),
                       .inlineCompletion(InlineCompletionRequest(textDocument: .init(uri: Decoding.stats), position: at)))
        XCTAssertEqual(try decode("textDocument/completion", position),
                       .completion(CompletionRequest(textDocument: .init(uri: Decoding.stats), position: at)))
        XCTAssertEqual(try decode("textDocument/codeAction", ["textDocument": ["uri": .string(Decoding.stats)],
                                                              "range": range, "context": ["diagnostics": []]]),
                       .codeAction(CodeActionRequest(textDocument: .init(uri: Decoding.stats),
                                                     range: Range(start: .init(line: 0, character: 0),
                                                                  end: .init(line: 2, character: 0)))))
        XCTAssertEqual(try decode("workspace/executeCommand", ["command": "gptls.summarize", "arguments": [document]]),
                       .executeCommand(ExecuteCommandRequest(invocation: .summarize(SummarizeRequest(
                           target: .document(.init(uri: Decoding.stats), range: nil))))))
        XCTAssertEqual(try decode("gptls/summarize", ["text": "def mean(xs):\n    return sum(xs) / len(xs)\n"]),
                       .summarize(SummarizeRequest(target: .text("def mean(xs):\n    return sum(xs) / len(xs)\n"))))
        XCTAssertEqual(try decode("gptls/classify", ["text": "print('hi')", "labels": ["python", "swift"]]),
                       .classify(ClassifyRequest(target: .text("print('hi')"), labels: ["python", "swift"])))
        XCTAssertEqual(try decode("gptls/status"), .status(StatusRequest()))
    }

    func testAnUnknownMethodIsNotAnErrorAndItsParamsAreNotRead() throws {
        XCTAssertEqual(try decode("no/such/method", "not even an object"), .unknown(method: "no/such/method"))
        XCTAssertEqual(ClientRequest.methodNotFound("no/such/method"),
                       ResponseError(.methodNotFound, "no/such/method: gptls does not implement this method"))
    }

    func testParamsErrorsComeFromTheMethodsType() {
        let error = Decoding.error { () throws(ResponseError) in
            try ClientRequest(method: "textDocument/completion", params: [1, 2])
        }
        XCTAssertEqual(error, ResponseError(.invalidParams, "textDocument/completion: params must be an object"))
    }

    func testMethodNamesTheDecodedRequest() throws {
        let methods = ["initialize", "shutdown", "textDocument/inlineCompletion", "textDocument/completion",
                       "textDocument/codeAction", "workspace/executeCommand", "gptls/summarize", "gptls/classify",
                       "gptls/status", "no/such/method"]
        let params: JSONValue = [
            "textDocument": ["uri": .string(Decoding.stats)], "position": ["line": 0, "character": 0],
            "range": ["start": ["line": 0, "character": 0], "end": ["line": 0, "character": 1]],
            "command": "gptls.classify", "arguments": [["text": "x"]],
        ]
        for method in methods {
            XCTAssertEqual(try decode(method, params).method, method)
        }
    }

    func testRequestsThatTakeNoParamsIgnoreWhateverComes() throws {
        XCTAssertEqual(try decode("shutdown", [1, 2, 3]), .shutdown(ShutdownRequest()))
        XCTAssertEqual(try decode("gptls/status", "x"), .status(StatusRequest()))
    }
}
