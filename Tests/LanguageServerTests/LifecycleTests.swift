import JSON
import JSONRPC
import XCTest
import Protocol
@testable import LanguageServer

final class LifecycleTests: XCTestCase {
    func testRequestsBeforeInitializeGetServerNotInitialized() throws {
        let harness = ServerHarness()
        let error = try harness.error(of: harness.request("textDocument/inlineCompletion", [:]))
        XCTAssertEqual(error.code, .serverNotInitialized)
    }

    func testInitializeAdvertisesTheCapabilitiesAndServerInfo() throws {
        let result = try ServerHarness().initialize()
        let capabilities = try XCTUnwrap(result["capabilities"])
        XCTAssertEqual(capabilities["positionEncoding"], "utf-16")
        XCTAssertEqual(capabilities["textDocumentSync"]?["change"], 2)
        XCTAssertEqual(capabilities["inlineCompletionProvider"], true)
        XCTAssertNotNil(capabilities["completionProvider"])
        XCTAssertEqual(capabilities["executeCommandProvider"]?["commands"], ["gptls.summarize", "gptls.classify"])
        XCTAssertNotNil(capabilities["codeActionProvider"])
        XCTAssertEqual(result["serverInfo"]?["name"], "gptls")
    }

    func testPositionEncodingIsNegotiated() throws {
        XCTAssertEqual(try ServerHarness().initialize(encodings: ["utf-32", "utf-8"])["capabilities"]?["positionEncoding"],
                       "utf-8")
        XCTAssertEqual(try ServerHarness().initialize(encodings: ["utf-32"])["capabilities"]?["positionEncoding"],
                       "utf-32")
    }

    func testSecondInitializeIsAnInvalidRequest() throws {
        let harness = ServerHarness()
        _ = try harness.initialize()
        XCTAssertEqual(try harness.error(of: harness.request("initialize", ["capabilities": [:]])).code, .invalidRequest)
    }

    func testRequestsAfterShutdownAreInvalidAndExitIsClean() throws {
        let harness = ServerHarness()
        _ = try harness.initialize()
        XCTAssertEqual(try harness.result(of: harness.request("shutdown")), .null)
        XCTAssertEqual(try harness.error(of: harness.request("gptls/status")).code, .invalidRequest)
        harness.notify("exit")
        harness.server.waitUntilIdle()
        XCTAssertEqual(harness.termination, .clean)
    }

    func testExitWithoutShutdownIsUnclean() throws {
        let harness = ServerHarness()
        _ = try harness.initialize()
        harness.notify("exit")
        harness.server.waitUntilIdle()
        guard case .unexpected = harness.termination else { return XCTFail("expected an unclean exit") }
    }

    func testUnknownMethodIsMethodNotFoundAndUnknownNotificationIsIgnored() throws {
        let harness = ServerHarness()
        _ = try harness.initialize()
        harness.notify("custom/notification", [:])
        XCTAssertEqual(try harness.error(of: harness.request("custom/method")).code, .methodNotFound)
    }

    func testBadSettingsAreRejectedWithAMessageThatNamesTheField() throws {
        let harness = ServerHarness()
        let id = harness.request("initialize", ["capabilities": [:], "initializationOptions": ["maxTokens": "many"]])
        let error = try harness.error(of: id)
        XCTAssertEqual(error.code, .invalidParams)
        XCTAssertTrue(error.message.contains("maxTokens"), error.message)
    }

    func testTasksWithoutALoadableModelFailWithAClearErrorAndTellTheUserOnce() throws {
        let harness = ServerHarness()
        _ = try harness.initialize()
        harness.open("file:///a.py", "def f():\n")
        for _ in 0..<2 {
            let error = try harness.error(of: harness.request("gptls/summarize", ["text": "x = 1"]))
            XCTAssertEqual(error.code, .requestFailed)
            XCTAssertTrue(error.message.contains("could not load the model"), error.message)
        }
        XCTAssertEqual(harness.notifications("window/showMessage").count, 1)
    }

    func testCancellingAnUnknownRequestIsHarmless() throws {
        let harness = ServerHarness()
        _ = try harness.initialize()
        harness.notify("$/cancelRequest", ["id": 999])
        XCTAssertNotNil(try harness.result(of: harness.request("gptls/status"))["documents"])
    }

    func testInvalidParamsNameTheMissingField() throws {
        let harness = ServerHarness()
        _ = try harness.initialize()
        let error = try harness.error(of: harness.request("textDocument/inlineCompletion", ["textDocument": ["uri": "file:///nope"]]))
        XCTAssertEqual(error.code, .invalidParams)
        XCTAssertTrue(error.message.contains("not open"), error.message)
        let missing = try harness.error(of: harness.request("gptls/classify", ["labels": [1, 2]]))
        XCTAssertEqual(missing.code, .invalidParams)
    }

    func testCodeActionsOfferSummarizeAndClassifyForASelection() throws {
        let harness = ServerHarness()
        _ = try harness.initialize()
        harness.open("file:///a.py", "def f():\n    return 1\n")
        func actions(_ end: Int) throws -> JSONValue {
            try harness.result(of: harness.request("textDocument/codeAction", [
                "textDocument": ["uri": "file:///a.py"],
                "range": ["start": ["line": 0, "character": 0], "end": ["line": .int(end), "character": 0]],
                "context": ["diagnostics": []],
            ]))
        }
        XCTAssertEqual(try actions(1).array?.compactMap { $0["command"]?["command"]?.string },
                       ["gptls.summarize", "gptls.classify"])
        XCTAssertEqual(try actions(0), [])
    }

    func testDocumentsFollowIncrementalChangesInTheNegotiatedEncoding() throws {
        let harness = ServerHarness()
        _ = try harness.initialize()
        harness.open("file:///a.txt", "😀 ab\n")
        harness.notify("textDocument/didChange", [
            "textDocument": ["uri": "file:///a.txt", "version": 2],
            "contentChanges": [
                ["range": ["start": ["line": 0, "character": 3], "end": ["line": 0, "character": 4]], "text": "X"],
            ],
        ])
        harness.notify("textDocument/didChange", [
            "textDocument": ["uri": "file:///unknown.txt", "version": 2],
            "contentChanges": [["text": "ignored"]],
        ])
        harness.server.waitUntilIdle()
        XCTAssertEqual(harness.server.queue.sync { harness.server.documents["file:///a.txt"]?.text }, "😀 Xb\n")
        XCTAssertNil(harness.server.queue.sync { harness.server.documents["file:///unknown.txt"] })
    }
}
