import JSON
import JSONRPC
import Protocol
import XCTest

/// Summarize, classify and the commands that run them: targets, labels, progress tokens, errors in order.
final class TaskRequestTests: XCTestCase {
    private let uri = JSONValue.string(Decoding.stats)
    private let lines: JSONValue = ["start": ["line": 0, "character": 0], "end": ["line": 2, "character": 0]]

    private func invalid(_ message: String) -> ResponseError { ResponseError(.invalidParams, message) }

    private func summarizeError(_ params: JSONValue?, _ open: Decoding.OpenDocuments = Decoding.statsOpen) -> ResponseError? {
        Decoding.error { () throws(ResponseError) in try Decoding.request(SummarizeRequest.self, params, open) }
    }

    private func classifyError(_ params: JSONValue?, _ open: Decoding.OpenDocuments = Decoding.statsOpen) -> ResponseError? {
        Decoding.error { () throws(ResponseError) in try Decoding.request(ClassifyRequest.self, params, open) }
    }

    func testSummarizeTargetsARangeOfAnOpenDocument() throws {
        let request = try Decoding.request(SummarizeRequest.self, ["textDocument": ["uri": uri], "range": lines])
        XCTAssertEqual(request.target, .document(TextDocumentIdentifier(uri: Decoding.stats),
                                                 range: Range(start: .init(line: 0, character: 0),
                                                              end: .init(line: 2, character: 0))))
        XCTAssertNil(request.workDoneToken)
    }

    func testWithoutARangeTheWholeDocumentIsTheTarget() throws {
        for params: JSONValue in [["textDocument": ["uri": uri]], ["textDocument": ["uri": uri], "range": nil]] {
            XCTAssertEqual(try Decoding.request(SummarizeRequest.self, params).target,
                           .document(TextDocumentIdentifier(uri: Decoding.stats), range: nil))
        }
    }

    func testTextWinsOverADocument() throws {
        let request = try Decoding.request(SummarizeRequest.self, ["text": "x = 1", "textDocument": ["uri": "file:///nope"]])
        XCTAssertEqual(request.target, .text("x = 1"))
    }

    func testTextMustBeAString() {
        XCTAssertEqual(summarizeError(["text": 3]), invalid("gptls/summarize: text must be a string"))
        XCTAssertEqual(summarizeError(["text": nil, "textDocument": ["uri": uri]]),
                       invalid("gptls/summarize: text must be a string"))
    }

    func testTargetErrorsComeInTheServersOrder() {
        XCTAssertEqual(summarizeError(nil), invalid("gptls/summarize: params must be an object"))
        XCTAssertEqual(summarizeError([:]), invalid("gptls/summarize: textDocument.uri must be a string, not missing"))
        XCTAssertEqual(summarizeError(["textDocument": ["uri": uri], "range": ["start": 1]], Decoding.noneOpen),
                       invalid("gptls/summarize: \(Decoding.stats) is not open; send textDocument/didOpen first"))
        XCTAssertEqual(summarizeError(["textDocument": ["uri": uri], "range": ["start": ["line": 0, "character": 0]]]),
                       invalid("gptls/summarize: range.end.line must be an integer, not missing"))
    }

    func testAProgressTokenIsAStringOrAnIntegerAndAnythingElseMeansNone() throws {
        func token(_ json: JSONValue) throws -> JSONValue? {
            try Decoding.request(SummarizeRequest.self, ["text": "x", "workDoneToken": json]).workDoneToken?.json
        }
        XCTAssertEqual(try token("summary-1"), "summary-1")
        XCTAssertEqual(try token(7), 7)
        XCTAssertEqual(try token(2.0), .number(2.0), "echoed as sent")
        XCTAssertNil(try token(1.5))
        XCTAssertNil(try token(true))
        XCTAssertNil(try token(nil))
        XCTAssertNil(try token(["a": 1]))
    }

    func testClassifyDecodesLabels() throws {
        let request = try Decoding.request(ClassifyRequest.self, ["text": "print('hi')", "labels": ["python", "swift"]])
        XCTAssertEqual(request.labels, ["python", "swift"])
        XCTAssertNil(try Decoding.request(ClassifyRequest.self, ["text": "x", "labels": nil]).labels)
        XCTAssertNil(try Decoding.request(ClassifyRequest.self, ["text": "x"]).labels)
    }

    func testLabelsMustBeANonEmptyArrayOfDistinctStrings() {
        let bad = invalid("gptls/classify: labels must be a non-empty array of distinct strings")
        for labels: JSONValue in [[], [1, 2], ["a", 1], ["a", "a"], "python", ["x": "y"], true] {
            XCTAssertEqual(classifyError(["text": "x", "labels": labels]), bad, labels.jsonText)
        }
    }

    func testMoreLabelsThanTheLimitOrALabelTooLongIsRefusedNamingTheLimit() throws {
        let limit = ClassifyRequest.maximumLabels
        let atLimit = JSONValue.array((0..<limit).map { .string("label \($0)") })
        XCTAssertEqual(try Decoding.request(ClassifyRequest.self, ["text": "x", "labels": atLimit]).labels?.count, limit)
        let many = JSONValue.array((0..<10_000).map { .string("label \($0)") })
        let tooMany = try XCTUnwrap(classifyError(["text": "x", "labels": many]))
        XCTAssertEqual(tooMany.code, .invalidParams)
        XCTAssertEqual(tooMany.message, "gptls/classify: labels has 10000 labels, above the limit of \(limit) per request")
        XCTAssertEqual(tooMany.data, ["reason": "tooManyLabels", "count": 10000, "limit": .int(limit)])
        let long = String(repeating: "é", count: ClassifyRequest.maximumLabelBytes)
        let tooLong = try XCTUnwrap(classifyError(["text": "x", "labels": ["short", .string(long)]]))
        XCTAssertEqual(tooLong.message, "gptls/classify: labels[1] is \(2 * ClassifyRequest.maximumLabelBytes) bytes, "
                       + "above the limit of \(ClassifyRequest.maximumLabelBytes) bytes per label")
    }

    func testTheTargetIsCheckedBeforeTheLabels() {
        XCTAssertEqual(classifyError(["labels": [1, 2]]),
                       invalid("gptls/classify: textDocument.uri must be a string, not missing"))
        XCTAssertEqual(classifyError(["textDocument": ["uri": uri], "labels": []], Decoding.noneOpen),
                       invalid("gptls/classify: \(Decoding.stats) is not open; send textDocument/didOpen first"))
        XCTAssertEqual(classifyError(["textDocument": ["uri": uri], "range": [:], "labels": []]),
                       invalid("gptls/classify: range.start.line must be an integer, not missing"))
    }

    func testACommandRunsTheRequestOfItsNameOnItsFirstArgument() throws {
        let argument: JSONValue = ["textDocument": ["uri": uri], "range": lines]
        let summarize = try Decoding.request(ExecuteCommandRequest.self,
                                             ["command": "gptls.summarize", "arguments": [argument, "ignored"]])
        XCTAssertEqual(summarize.command, .summarize)
        XCTAssertEqual(summarize.invocation, .summarize(try Decoding.request(SummarizeRequest.self, argument)))
        let classify = try Decoding.request(ExecuteCommandRequest.self,
                                            ["command": "gptls.classify", "arguments": [["text": "x"]]])
        XCTAssertEqual(classify.command, .classify)
        XCTAssertEqual(classify.invocation, .classify(ClassifyRequest(target: .text("x"))))
    }

    func testCommandErrorsNameTheCommandOrTheRequestItRuns() {
        func error(_ params: JSONValue?, _ open: Decoding.OpenDocuments = Decoding.statsOpen) -> ResponseError? {
            Decoding.error { () throws(ResponseError) in try Decoding.request(ExecuteCommandRequest.self, params, open) }
        }
        XCTAssertEqual(error(nil), invalid("workspace/executeCommand: params must be an object"))
        XCTAssertEqual(error([:]), invalid("workspace/executeCommand: command must be a string, not missing"))
        XCTAssertEqual(error(["command": "gptls.translate"]),
                       invalid("workspace/executeCommand: unknown command gptls.translate; "
                               + "gptls offers gptls.summarize, gptls.classify"))
        XCTAssertEqual(error(["command": "gptls.summarize"]), invalid("gptls/summarize: params must be an object"))
        XCTAssertEqual(error(["command": "gptls.summarize", "arguments": []]),
                       invalid("gptls/summarize: params must be an object"))
        XCTAssertEqual(error(["command": "gptls.classify", "arguments": [["textDocument": ["uri": uri]]]],
                             Decoding.noneOpen),
                       invalid("gptls/classify: \(Decoding.stats) is not open; send textDocument/didOpen first"))
    }
}
