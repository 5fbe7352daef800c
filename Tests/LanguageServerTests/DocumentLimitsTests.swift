import JSON
import JSONRPC
import Protocol
import XCTest
@testable import LanguageServer

/// Documents above the session's limits: refused whole and said so, while every other document keeps being served.
final class DocumentLimitsTests: XCTestCase {
    private var backend: ScriptedBackend?

    /// A server with a 1000-byte document limit and `openBytes` for all documents, over a scripted backend.
    private func harness(openBytes: Int = 100_000) throws -> ServerHarness {
        let harness = ServerHarness(loader: { [unowned self] _ in
            let backend = ScriptedBackend()
            backend.completion = .success("done")
            self.backend = backend
            return backend
        }, limits: DocumentLimits(maximumDocumentBytes: 1000, maximumOpenBytes: openBytes))
        _ = try harness.initialize(["completionMode": "single-line"])
        return harness
    }

    private func insert(_ harness: ServerHarness, _ uri: String, _ text: String, at line: Int, version: Int) {
        let position: JSONValue = ["line": .int(line), "character": 0]
        harness.notify("textDocument/didChange", [
            "textDocument": ["uri": .string(uri), "version": .int(version)],
            "contentChanges": [["range": ["start": position, "end": position], "text": .string(text)]],
        ])
    }

    private func replaceAll(_ harness: ServerHarness, _ uri: String, _ text: String, version: Int) {
        harness.notify("textDocument/didChange", [
            "textDocument": ["uri": .string(uri), "version": .int(version)],
            "contentChanges": [["text": .string(text)]],
        ])
    }

    func testOpeningADocumentAboveTheLimitIsShownAndItsRequestsFailNamingTheLimit() throws {
        let harness = try harness()
        harness.open("file:///big.py", String(repeating: "x", count: 1001))
        harness.server.waitUntilIdle()
        let message = try XCTUnwrap(harness.notifications("window/showMessage").last)
        XCTAssertEqual(message["type"], 1)
        XCTAssertTrue(message["message"]?.string?.contains("file:///big.py is 1001 bytes, above the limit of 1000 bytes")
                      == true, "\(message)")
        let error = try harness.error(of: harness.inlineCompletion("file:///big.py", line: 0, character: 1))
        XCTAssertEqual(error.code, .requestFailed)
        XCTAssertEqual(error.data, ["reason": "documentTooLarge", "bytes": 1001, "limit": 1000])
        let summary = try harness.error(of: harness.request("gptls/summarize", ["textDocument": ["uri": "file:///big.py"]]))
        XCTAssertTrue(summary.message.hasPrefix("gptls/summarize: file:///big.py is 1001 bytes"), summary.message)
    }

    func testAChangeStormThatCrossesTheLimitRefusesOnlyThatDocumentAndOthersKeepTheirText() throws {
        let harness = try harness()
        harness.open("file:///small.py", "def f(x):\n    ")
        harness.open("file:///storm.py", "")
        for version in 2...20 {
            insert(harness, "file:///storm.py", String(repeating: "y", count: 99) + "\n", at: version - 2, version: version)
        }
        let storm = try harness.error(of: harness.inlineCompletion("file:///storm.py", line: 0, character: 0))
        XCTAssertEqual(storm.data?["reason"], "documentTooLarge")
        XCTAssertEqual(storm.data?["bytes"], 1100, "refused at the change that went over: the eleventh line")
        XCTAssertEqual(harness.notifications("window/showMessage").count, 1, "later changes of a refused document are ignored")
        let small = try harness.result(of: harness.inlineCompletion("file:///small.py", line: 1, character: 4))
        XCTAssertEqual(small["items"]?[0]?["insertText"], "done")
        let task = try XCTUnwrap(backend?.read { $0.completions.last })
        XCTAssertEqual(task.prefix, "def f(x):\n    ", "the other document is intact")
    }

    func testAWholeTextWithinTheLimitBringsARefusedDocumentBack() throws {
        let harness = try harness()
        harness.open("file:///a.py", String(repeating: "x", count: 2000))
        insert(harness, "file:///a.py", "ignored", at: 0, version: 2)
        replaceAll(harness, "file:///a.py", "back = ", version: 3)
        _ = try harness.result(of: harness.inlineCompletion("file:///a.py", line: 0, character: 7))
        XCTAssertEqual(backend?.read { $0.completions.last?.prefix }, "back = ")
    }

    func testOpenDocumentsTogetherAreBoundedAndClosingOneMakesRoom() throws {
        let text = String(repeating: "z", count: 900)
        let cost = DocumentLimits.cost(textBytes: 900, lines: 1, uri: "file:///0.py")
        let harness = try harness(openBytes: 3 * cost)
        for index in 0..<4 { harness.open("file:///\(index).py", text) }
        let refused = try harness.error(of: harness.inlineCompletion("file:///3.py", line: 0, character: 1))
        XCTAssertEqual(refused.data?["reason"], "openDocumentsTooLarge")
        XCTAssertEqual(refused.data?["limit"], .int(3 * cost))
        XCTAssertTrue(refused.message.contains("per connection"), refused.message)
        let status = try harness.result(of: harness.request("gptls/status"))
        XCTAssertEqual(status["documents"], 3)
        harness.notify("textDocument/didClose", ["textDocument": ["uri": "file:///0.py"]])
        harness.open("file:///3.py", text)
        _ = try harness.result(of: harness.inlineCompletion("file:///3.py", line: 0, character: 1))
    }

    func testClosingARefusedDocumentForgetsIt() throws {
        let harness = try harness()
        harness.open("file:///big.py", String(repeating: "x", count: 1001))
        harness.notify("textDocument/didClose", ["textDocument": ["uri": "file:///big.py"]])
        let error = try harness.error(of: harness.inlineCompletion("file:///big.py", line: 0, character: 0))
        XCTAssertEqual(error.code, .invalidParams)
        XCTAssertTrue(error.message.contains("is not open"), error.message)
    }

    func testATextParameterAboveTheDocumentLimitIsRefusedAndTheNextRequestIsServed() throws {
        let harness = try harness()
        let error = try harness.error(of: harness.request("gptls/summarize", ["text": .string(String(repeating: "s", count: 1001))]))
        XCTAssertEqual(error.code, .invalidParams)
        XCTAssertEqual(error.data, ["reason": "textTooLarge", "bytes": 1001, "limit": 1000])
        _ = try harness.result(of: harness.request("gptls/classify", ["text": .string(String(repeating: "c", count: 1000))]))
    }

    func testEditsWithinTheLimitKeepTheTextExact() throws {
        var document = TextDocument(uri: "file:///t.py", languageID: "python", version: 1, text: "a😀b")
        try document.apply([.init(range: .init(start: .init(line: 0, character: 3), end: .init(line: 0, character: 3)),
                                  text: "→")], version: 2, encoding: .utf16, maximumBytes: 9)
        XCTAssertEqual(document.text, "a😀→b")
        XCTAssertThrowsError(try document.apply([.init(range: nil, text: "0123456789")], version: 3, encoding: .utf16,
                                                maximumBytes: 9)) { error in
            XCTAssertEqual(error as? DocumentLimitError, .documentTooLarge(uri: "file:///t.py", bytes: 10, limit: 9))
        }
    }
}
