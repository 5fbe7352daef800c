import Foundation
import JSON
import JSONRPC
import Tasks
import XCTest
@testable import LanguageServer

/// The completion cache and prefetch through the server, over a scripted backend that counts what it is asked.
final class CompletionCacheServerTests: XCTestCase {
    private var backend: ScriptedBackend!
    private let uri = "file:///a.py"

    private func harness(_ options: JSONObject = [:], _ script: @escaping (ScriptedBackend) -> Void) throws
        -> ServerHarness {
        let backend = ScriptedBackend()
        script(backend)
        self.backend = backend
        let harness = ServerHarness(loader: { _ in backend })
        _ = try harness.initialize(.object(options))
        harness.open(uri, "def f(x):\n    \n")
        return harness
    }

    private func type(_ harness: ServerHarness, _ text: String, line: Int, character: Int, version: Int) {
        harness.notify("textDocument/didChange", [
            "textDocument": ["uri": .string(uri), "version": .int(version)],
            "contentChanges": [["range": ["start": ["line": .int(line), "character": .int(character)],
                                          "end": ["line": .int(line), "character": .int(character)]],
                                "text": .string(text)]],
        ])
    }

    /// The connection's `completionCache` figures once no prefetch runs any more.
    private func settledCache(_ harness: ServerHarness) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(10)
        while true {
            let cache = try harness.result(of: harness.request("gptls/status"))["completionCache"]
            if cache?["prefetching"] == 0 || Date() > deadline { return cache ?? .null }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    private var asked: Int { backend.read { $0.completions.count } }

    func testTypingTheShownSuggestionIsAnsweredWithoutTheBackend() throws {
        let harness = try harness { $0.completion = .success("return x + 1") }
        let first = try harness.result(of: harness.inlineCompletion(line: 1, character: 4))
        XCTAssertEqual(first["items"]?[0]?["insertText"], "return x + 1")
        type(harness, "ret", line: 1, character: 4, version: 2)
        let second = try harness.result(of: harness.inlineCompletion(line: 1, character: 7))
        XCTAssertEqual(second["items"]?[0]?["insertText"], "urn x + 1")
        XCTAssertEqual(second["items"]?[0]?["range"]?["start"], ["line": 1, "character": 7])
        XCTAssertEqual(second["metrics"]?["cached"], true)
        XCTAssertEqual(second["metrics"]?["computedTokens"], 0)
        XCTAssertEqual(second["metrics"]?["generatedTokens"], 0)
        XCTAssertEqual(asked, 1, "a cache hit must not reach the backend")
        XCTAssertEqual(try settledCache(harness)["hits"], 1)
    }

    func testADivergentCharacterAsksTheBackendAgain() throws {
        let harness = try harness { $0.completion = .success("return x + 1") }
        _ = try harness.result(of: harness.inlineCompletion(line: 1, character: 4))
        type(harness, "y", line: 1, character: 4, version: 2)
        let second = try harness.result(of: harness.inlineCompletion(line: 1, character: 5))
        XCTAssertNil(second["metrics"]?["cached"])
        XCTAssertEqual(asked, 2)
        XCTAssertEqual(backend.read { $0.completions.last?.prefix }, "def f(x):\n    y")
    }

    func testAnEditAboveTheSuggestionMakesItUnusable() throws {
        let harness = try harness { $0.completion = .success("return x + 1") }
        _ = try harness.result(of: harness.inlineCompletion(line: 1, character: 4))
        _ = try settledCache(harness)
        type(harness, "_", line: 0, character: 5, version: 2)
        type(harness, "r", line: 1, character: 4, version: 3)
        _ = try harness.result(of: harness.inlineCompletion(line: 1, character: 5))
        XCTAssertEqual(asked, 2)
    }

    func testAcceptingTheSuggestionFindsThePrefetchedContinuation() throws {
        let harness = try harness {
            $0.completion = .success("return x + 1")
            $0.prefetchCompletion = .success("\n    # done")
        }
        _ = try harness.result(of: harness.inlineCompletion(line: 1, character: 4))
        XCTAssertEqual(try settledCache(harness)["entries"], 2, "the suggestion and the one after its acceptance")
        let prefetch = try XCTUnwrap(backend.read { $0.prefetches.first })
        XCTAssertEqual(prefetch.prefix, "def f(x):\n    return x + 1")
        XCTAssertTrue(prefetch.speculative)
        XCTAssertNotEqual(prefetch.supersedeKey, backend.read { $0.completions[0].supersedeKey },
                          "a prefetch must not supersede the completion a user waits for")
        type(harness, "return x + 1", line: 1, character: 4, version: 2)
        let next = try harness.result(of: harness.inlineCompletion(line: 1, character: 16))
        XCTAssertEqual(next["items"]?[0]?["insertText"], "\n    # done")
        XCTAssertEqual(next["metrics"]?["cached"], true)
        XCTAssertEqual(asked, 1)
    }

    func testTypingTheWholeSuggestionWithoutAPrefetchAsksTheBackend() throws {
        let harness = try harness(["completionMode": "single-line"]) {
            $0.completion = .success("return x + 1")
            $0.prefetchDelay = 30
        }
        _ = try harness.result(of: harness.inlineCompletion(line: 1, character: 4))
        type(harness, "return x + 1", line: 1, character: 4, version: 2)
        let next = try harness.result(of: harness.inlineCompletion(line: 1, character: 16))
        XCTAssertNil(next["metrics"]?["cached"], "an empty rest is no answer")
        XCTAssertEqual(asked, 2)
    }

    func testAPrefetchWithNothingToShowAnswersNothingAfterTheAcceptance() throws {
        let harness = try harness {
            $0.completion = .success("return x + 1")
            $0.prefetchCompletion = .success("   ")
        }
        _ = try harness.result(of: harness.inlineCompletion(line: 1, character: 4))
        XCTAssertEqual(try settledCache(harness)["entries"], 2)
        type(harness, "return x + 1", line: 1, character: 4, version: 2)
        let next = try harness.result(of: harness.inlineCompletion(line: 1, character: 16))
        XCTAssertEqual(next["items"], [])
        XCTAssertEqual(next["metrics"]?["cached"], true)
        XCTAssertEqual(asked, 1)
        XCTAssertEqual(backend.read { $0.prefetches.count }, 1, "nothing is computed ahead twice")
    }

    func testARequestThatNeedsTheModelCancelsTheRunningPrefetch() throws {
        let harness = try harness {
            $0.completion = .success("return x + 1")
            $0.prefetchDelay = 30
        }
        _ = try harness.result(of: harness.inlineCompletion(line: 1, character: 4))
        XCTAssertEqual(try harness.result(of: harness.request("gptls/status"))["completionCache"]?["prefetching"], 1)
        type(harness, "y", line: 1, character: 4, version: 2)
        _ = try harness.result(of: harness.inlineCompletion(line: 1, character: 5))
        XCTAssertEqual(backend.read { $0.cancellations }, 1)
        XCTAssertEqual(backend.read { $0.prefetches.count }, 2, "the new suggestion has its own prefetch")
        XCTAssertEqual(try harness.result(of: harness.request("gptls/status"))["completionCache"]?["prefetching"], 1)
    }

    func testWithTheSettingOffEveryCompletionGoesToTheBackend() throws {
        let harness = try harness(["completionCache": false]) { $0.completion = .success("return x + 1") }
        _ = try harness.result(of: harness.inlineCompletion(line: 1, character: 4))
        type(harness, "ret", line: 1, character: 4, version: 2)
        let second = try harness.result(of: harness.inlineCompletion(line: 1, character: 7))
        XCTAssertNil(second["metrics"]?["cached"])
        XCTAssertEqual(asked, 2)
        XCTAssertEqual(backend.read { $0.prefetches.count }, 0)
        XCTAssertEqual(try settledCache(harness), ["entries": 0, "hits": 0, "prefetching": 0])
    }

    func testChangingTheSettingsForgetsTheSuggestions() throws {
        let harness = try harness { $0.completion = .success("return x + 1") }
        _ = try harness.result(of: harness.inlineCompletion(line: 1, character: 4))
        _ = try settledCache(harness)
        harness.notify("workspace/didChangeConfiguration", ["settings": ["maxTokens": 12]])
        XCTAssertEqual(try settledCache(harness)["entries"], 0)
    }
}
