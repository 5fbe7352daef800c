import Foundation
import ModelFiles
import JSON
import JSONRPC
import LocalBackend
import Tasks
import XCTest
@testable import LanguageServer

/// The three tasks through the real server, engine and a seeded random-weight model with GPT-2's vocabulary.
final class TaskTests: XCTestCase {
    static let model: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-server-tests-\(getpid())")
        try! RandomModel.write(config: RandomModel.tiny, seed: 11, to: url)
        return url
    }()

    private func harness() throws -> ServerHarness {
        let harness = ServerHarness(loader: { configuration in
            var configuration = configuration
            for kind in TaskKind.allCases where configuration.models[kind] == nil {
                configuration.models[kind] = TaskTests.model.path
            }
            return try ModelLoader.backend(configuration)
        })
        _ = try harness.initialize(["maxTokens": 6, "summaryMaxTokens": 6])
        return harness
    }

    private func completion(_ harness: ServerHarness, _ uri: String, line: Int, character: Int) -> RequestID {
        harness.request("textDocument/inlineCompletion", [
            "textDocument": ["uri": .string(uri)],
            "position": ["line": .int(line), "character": .int(character)],
            "context": ["triggerKind": 2],
        ])
    }

    func testInlineCompletionReturnsItemsAtTheCursorAndTheNextKeystrokeReusesTheCache() throws {
        let harness = try harness()
        harness.open("file:///a.py", "def mean(values):\n    return sum(values) / len(values)\n\nx = ")
        let first = try harness.result(of: completion(harness, "file:///a.py", line: 3, character: 4))
        XCTAssertEqual(first["metrics"]?["reusedTokens"], 0)
        for item in first["items"]?.array ?? [] {
            XCTAssertEqual(item["range"]?["start"], ["line": 3, "character": 4])
            XCTAssertFalse(item["insertText"]?.string?.allSatisfy(\.isWhitespace) ?? true)
        }
        harness.notify("textDocument/didChange", [
            "textDocument": ["uri": "file:///a.py", "version": 2],
            "contentChanges": [["range": ["start": ["line": 3, "character": 4], "end": ["line": 3, "character": 4]],
                                "text": "m"]],
        ])
        let second = try harness.result(of: completion(harness, "file:///a.py", line: 3, character: 5))
        let prompt = try XCTUnwrap(second["metrics"]?["promptTokens"]?.int)
        let computed = try XCTUnwrap(second["metrics"]?["computedTokens"]?.int)
        XCTAssertLessThanOrEqual(computed, 2, "one keystroke recomputed \(computed) of \(prompt) tokens")
    }

    func testCompletionReturnsTheSameGenerationAsOneItem() throws {
        let harness = try harness()
        harness.open("file:///b.py", "import os\n")
        let result = try harness.result(of: harness.request("textDocument/completion", [
            "textDocument": ["uri": "file:///b.py"], "position": ["line": 1, "character": 0],
        ]))
        XCTAssertEqual(result["isIncomplete"], true)
        XCTAssertLessThanOrEqual(result["items"]?.array?.count ?? 9, 1)
    }

    func testSummarizeSplitsLongInputAndReportsProgress() throws {
        let harness = try harness()
        let long = (0..<80).map { "value_\($0) = compute(\($0), \($0 * 3))" }.joined(separator: "\n")
        let result = try harness.result(of: harness.request("gptls/summarize", ["text": .string(long),
                                                                                "workDoneToken": "sum-1"]))
        XCTAssertNotNil(result["summary"]?.string)
        let kinds = harness.notifications("$/progress").compactMap { $0["value"]?["kind"]?.string }
        XCTAssertEqual(kinds.first, "begin")
        XCTAssertEqual(kinds.last, "end")
        XCTAssertGreaterThanOrEqual(kinds.filter { $0 == "report" }.count, 2, "the long input was not split")
    }

    func testZeroShotClassificationScoresEveryLabel() throws {
        let harness = try harness()
        let result = try harness.result(of: harness.request("gptls/classify", [
            "text": "#include <stdio.h>\n", "labels": ["c", "python", "prose"],
        ]))
        let scores = try XCTUnwrap(result["scores"]?.array)
        XCTAssertEqual(Set(scores.compactMap { $0["label"]?.string }), ["c", "python", "prose"])
        let probabilities = scores.compactMap { $0["probability"]?.double }
        XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(probabilities, probabilities.sorted(by: >))
        XCTAssertEqual(result["label"], scores[0]["label"])
        // The three label jobs reused the shared prompt: each computed only its own tokens.
        let metrics = try XCTUnwrap(result["metrics"])
        XCTAssertGreaterThan(metrics["reusedTokens"]?.int ?? 0, metrics["computedTokens"]?.int ?? 0)
    }

    func testALabelLongerThanTheContextIsAnErrorAndTheServerKeepsServing() throws {
        let harness = try harness()
        // Within the protocol's 256 bytes per label, yet one token per byte: longer than the tiny model's context.
        let long = String(repeating: "\u{7F}", count: 256)
        let error = try harness.error(of: harness.request("gptls/classify", [
            "text": "x = 1\n", "labels": ["code", .string(long)],
        ]))
        XCTAssertEqual(error.code, .requestFailed)
        XCTAssertTrue(error.message.hasPrefix("label 2 has"), error.message)
        XCTAssertNotNil(try harness.result(of: harness.request("gptls/classify", [
            "text": "x = 1\n", "labels": ["code", "prose"],
        ]))["label"])
    }

    func testExecuteCommandAnswersAndShowsTheResult() throws {
        let harness = try harness()
        harness.open("file:///c.sh", "#!/bin/sh\necho hi\n")
        let result = try harness.result(of: harness.request("workspace/executeCommand", [
            "command": "gptls.classify",
            "arguments": [["textDocument": ["uri": "file:///c.sh"],
                           "range": ["start": ["line": 0, "character": 0], "end": ["line": 2, "character": 0]]]],
        ]))
        XCTAssertNotNil(result["label"]?.string)
        XCTAssertTrue(harness.notifications("window/showMessage").contains {
            $0["message"]?.string?.hasPrefix("Classified as") == true
        })
    }

    func testCancellingASlowSummaryAnswersOnceAndOtherDocumentsKeepBeingServed() throws {
        let harness = try harness()
        harness.server.receive(.notification(method: "workspace/didChangeConfiguration",
                                             params: ["settings": ["gptls": ["summaryMaxTokens": 64]]]))
        let long = String(repeating: "total = total + value * factor\n", count: 400)
        let summary = harness.request("gptls/summarize", ["text": .string(long)])
        harness.open("file:///d.py", "x = 1\n")
        let completionID = completion(harness, "file:///d.py", line: 1, character: 0)
        XCTAssertNotNil(try harness.result(of: completionID)["items"])
        harness.notify("$/cancelRequest", ["id": summary.json])
        let error = try harness.error(of: summary)
        XCTAssertEqual(error.code, .requestCancelled)
    }

    func testShutdownAnswersPendingRequestsExactlyOnce() throws {
        let harness = try harness()
        harness.server.receive(.notification(method: "workspace/didChangeConfiguration",
                                             params: ["settings": ["summaryMaxTokens": 64]]))
        let summary = harness.request("gptls/summarize", ["text": .string(String(repeating: "a = b\n", count: 200))])
        XCTAssertEqual(try harness.result(of: harness.request("shutdown")), .null)
        XCTAssertEqual(try harness.error(of: summary).code, .requestCancelled)
    }
}
