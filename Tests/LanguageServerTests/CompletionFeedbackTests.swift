import JSON
import JSONRPC
import Tasks
import XCTest
@testable import LanguageServer

/// `gptls/completionFeedback` moves per-model counters that `gptls/status` reports, so two models can be compared
/// on acceptance; a malformed report is ignored and the server keeps serving.
final class CompletionFeedbackTests: XCTestCase {
    private func harness() throws -> ServerHarness {
        let harness = ServerHarness(loader: { _ in
            let backend = ScriptedBackend()
            backend.completion = .success("y = x + 1")
            return backend
        })
        _ = try harness.initialize(["completionMode": "single-line"])
        harness.open("file:///a.py", "def f(x):\n    return x\n")
        return harness
    }

    private func complete(_ harness: ServerHarness) throws {
        _ = try harness.result(of: harness.inlineCompletion())
    }

    private func feedback(_ harness: ServerHarness) throws -> JSONValue {
        try XCTUnwrap(harness.result(of: harness.request("gptls/status"))["completionFeedback"])
    }

    func testEventsCountForTheModelThatServedTheCompletionAndGiveItsAcceptanceRate() throws {
        let harness = try harness()
        XCTAssertEqual(try feedback(harness), [:])
        try complete(harness)
        for _ in 0..<4 { harness.notify("gptls/completionFeedback", ["event": "shown"]) }
        harness.notify("gptls/completionFeedback", ["event": "accepted", "acceptedCharacters": 9])
        harness.notify("gptls/completionFeedback", ["event": "partiallyAccepted", "acceptedCharacters": 2])
        harness.notify("gptls/completionFeedback", ["event": "dismissed"])
        XCTAssertEqual(try feedback(harness), ["default": [
            "shown": 4, "accepted": 1, "partiallyAccepted": 1, "dismissed": 1, "acceptedCharacters": 11,
            "acceptanceRate": 0.5,
        ]])
    }

    func testAnotherModelsCompletionsCountApartAndANamedModelWins() throws {
        let harness = try harness()
        try complete(harness)
        harness.notify("gptls/completionFeedback", ["event": "shown"])
        harness.notify("workspace/didChangeConfiguration", ["settings": ["gptls": ["model": "/models/tuned"]]])
        try complete(harness)
        harness.notify("gptls/completionFeedback", ["event": "shown"])
        harness.notify("gptls/completionFeedback", ["event": "accepted", "acceptedCharacters": 5])
        harness.notify("gptls/completionFeedback", ["event": "dismissed", "model": "default"])
        let counts = try feedback(harness)
        XCTAssertEqual(counts["default"]?["shown"], 1)
        XCTAssertEqual(counts["default"]?["dismissed"], 1)
        XCTAssertEqual(counts["default"]?["acceptanceRate"], .number(0))
        XCTAssertEqual(counts["/models/tuned"]?["accepted"], 1)
        XCTAssertEqual(counts["/models/tuned"]?["acceptedCharacters"], 5)
        XCTAssertEqual(counts["/models/tuned"]?["acceptanceRate"], .number(1))
    }

    func testNothingShownHasNoRateAndMalformedReportsAreIgnored() throws {
        let harness = try harness()
        harness.notify("gptls/completionFeedback", ["event": "accepted"])
        harness.notify("gptls/completionFeedback", ["event": "kept"])
        harness.notify("gptls/completionFeedback", ["event": "accepted", "acceptedCharacters": -1])
        harness.notify("gptls/completionFeedback", ["event": "accepted", "acceptedCharacters": "3"])
        harness.notify("gptls/completionFeedback", .array([]))
        let counts = try feedback(harness)
        XCTAssertEqual(counts["default"]?["accepted"], 1)
        XCTAssertEqual(counts["default"]?["acceptedCharacters"], 0)
        XCTAssertEqual(counts["default"]?["acceptanceRate"], .null)
        // The server still answers.
        try complete(harness)
    }
}
