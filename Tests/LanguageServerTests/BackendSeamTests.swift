import JSON
import JSONRPC
import Tasks
import XCTest
@testable import LanguageServer

/// The language server over a scripted backend: what crosses the seam in each direction, without any model.
final class BackendSeamTests: XCTestCase {
    private var backends: [ScriptedBackend] = []
    private var configurations: [BackendConfiguration] = []

    /// A server whose every backend is a new `ScriptedBackend`, set up by `script`.
    private func harness(_ script: @escaping (ScriptedBackend) -> Void = { _ in }) throws -> ServerHarness {
        let harness = ServerHarness(loader: { [unowned self] configuration in
            let backend = ScriptedBackend()
            script(backend)
            backends.append(backend)
            configurations.append(configuration)
            return backend
        })
        _ = try harness.initialize(["completionMode": "single-line"])
        harness.open("file:///a.py", "def f(x):\n    return x\n")
        return harness
    }

    private func complete(_ harness: ServerHarness) -> RequestID {
        harness.inlineCompletion()
    }

    func testACompletionCarriesTheDocumentTheCursorTextAndTheBackendsMetrics() throws {
        let harness = try harness { $0.completion = .success("y = x + 1") }
        let result = try harness.result(of: complete(harness))
        XCTAssertEqual(result["items"]?[0]?["insertText"], "y = x + 1")
        XCTAssertEqual(result["items"]?[0]?["range"]?["start"], ["line": 1, "character": 4])
        XCTAssertEqual(result["metrics"], [
            "promptTokens": 12, "reusedTokens": 10, "computedTokens": 2, "generatedTokens": 3,
            "queuedMs": 0.5, "firstTokenMs": 1.25, "totalMs": 2.13,
        ])
        let task = try XCTUnwrap(backends.first?.read { $0.completions.first })
        XCTAssertEqual(task.documentKey, "file:///a.py")
        XCTAssertEqual(task.prefix, "def f(x):\n    ")
        XCTAssertEqual(task.maxTokens, 48)
    }

    func testTheServersStopRuleEndsTheBackendsTextAtTheEndOfTheLine() throws {
        let harness = try harness { $0.completion = .success("y = x + 1\n    return y\n") }
        let result = try harness.result(of: complete(harness))
        XCTAssertEqual(result["items"]?[0]?["insertText"], "y = x + 1")
    }

    func testBackendErrorsBecomeTheirLSPCodes() throws {
        let cases: [(TaskError, ErrorCode, String?)] = [
            (.superseded, .serverCancelled, nil),
            (.busy(queued: 64, limit: 64), .requestFailed, "busy"),
            (.tooLargeForCache(blocksNeeded: 9, capacity: 4), .requestFailed, "cache"),
            (.failed("the endpoint is down"), .requestFailed, nil),
        ]
        for (taskError, code, reason) in cases {
            let harness = try harness { $0.completion = .failure(taskError) }
            let error = try harness.error(of: complete(harness))
            XCTAssertEqual(error.code, code, "\(taskError)")
            XCTAssertEqual(error.message, taskError.description)
            XCTAssertEqual(error.data?["reason"]?.string, reason, "\(taskError)")
        }
    }

    func testCancellingASlowTaskCancelsItInTheBackendAndAnswersOnce() throws {
        let harness = try harness { $0.delay = 0.3 }
        let id = complete(harness)
        harness.notify("$/cancelRequest", ["id": id.json])
        XCTAssertEqual(try harness.error(of: id).code, .requestCancelled)
        // The backend's own `.cancelled` answer arrives later and must not make a second reply.
        Thread.sleep(forTimeInterval: 0.4)
        XCTAssertEqual(harness.responses(to: id).count, 1)
        XCTAssertEqual(backends.first?.read { $0.cancellations }, 1)
    }

    func testSummaryProgressComesFromTheBackendsParts() throws {
        let harness = try harness { $0.summaryParts = 3 }
        let result = try harness.result(of: harness.request("gptls/summarize", ["text": "abc", "workDoneToken": "t"]))
        XCTAssertEqual(result["summary"], "summary of 3 characters")
        let kinds = harness.notifications("$/progress").compactMap { $0["value"]?["kind"]?.string }
        XCTAssertEqual(kinds, ["begin", "report", "report", "report", "end"])
    }

    func testClassificationPassesTheLabelsAndReturnsTheBackendsScores() throws {
        let harness = try harness {
            $0.classification = Classification(labels: ["x", "y"], logits: [0, 1], metrics: TaskMetrics())
        }
        let result = try harness.result(of: harness.request("gptls/classify", ["text": "t", "labels": ["x", "y"]]))
        XCTAssertEqual(result["label"], "y")
        XCTAssertEqual(result["scores"]?[0]?["label"], "y")
        XCTAssertEqual(backends.first?.read { $0.classifications.first?.labels }, ["x", "y"])
    }

    func testStatusShowsTheBackendsFigures() throws {
        let harness = try harness {
            $0.status = BackendStatus(steps: 7, jobsFinished: 3, caches: [
                CacheStatus(blockSize: 16, capacityBlocks: 100, blocksHeld: 5, blocksInUse: 1, blocksCached: 4,
                            bytesUsed: 5 << 20, hitRate: 0.75, evictions: 2),
            ])
        }
        _ = try harness.result(of: complete(harness))
        let models = try XCTUnwrap(harness.result(of: harness.request("gptls/status"))["models"])
        XCTAssertEqual(models["steps"], 7)
        XCTAssertEqual(models["jobsFinished"], 3)
        XCTAssertEqual(models["caches"]?[0]?["hitRate"], 0.75)
        XCTAssertEqual(models["caches"]?[0]?["capacityBlocks"], 100)
    }

    func testAModelSettingMakesANewBackendAndShutsTheOldOneDown() throws {
        let harness = try harness()
        _ = try harness.result(of: complete(harness))
        harness.notify("workspace/didChangeConfiguration", ["settings": ["gptls": ["model": "/models/other"]]])
        _ = try harness.result(of: complete(harness))
        XCTAssertEqual(backends.count, 2)
        XCTAssertEqual(backends[0].read { $0.isShutDown }, true)
        XCTAssertEqual(configurations.last?.models[.completion], "/models/other")
        // A setting that does not change the configuration keeps the backend.
        harness.notify("workspace/didChangeConfiguration", ["settings": ["gptls": ["maxTokens": 8]]])
        _ = try harness.result(of: complete(harness))
        XCTAssertEqual(backends.count, 2)
    }
}
