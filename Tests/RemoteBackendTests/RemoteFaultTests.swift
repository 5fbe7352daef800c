import Dispatch
import Foundation
import Tasks
import XCTest
@testable import RemoteBackend

/// Each way an endpoint can misbehave ends the task with one clear error (or, for a deadline, the text so far),
/// in bounded time, and closes the connection; the backend keeps serving.
final class RemoteFaultTests: XCTestCase {
    private var server: ScriptedHTTPServer?

    override func tearDown() { server?.stop() }

    /// A backend on a scripted server; `/v1/models` lists model "m", completions go to `script`.
    private func backend(options: RemoteBackend.Options = RemoteBackend.Options(),
                         script: @escaping @Sendable (ScriptedHTTPServer.Exchange) -> Void) throws -> RemoteBackend {
        let server = try ScriptedHTTPServer { exchange in
            if exchange.path.hasSuffix("/models") {
                exchange.reply(status: 200, #"{"object":"list","data":[{"id":"m","object":"model"}]}"#)
            } else {
                script(exchange)
            }
        }
        self.server = server
        return RemoteBackend(endpoint: try RemoteEndpoint(url: server.url, model: "m"), options: options)
    }

    private func complete(_ backend: RemoteBackend, key: String = "doc", deadline: DispatchTime? = nil,
                          stop: @escaping @Sendable (String) -> Bool = { _ in false },
                          timeout: Double = 10) -> Result<TextResult, TaskError>? {
        let done = expectation(description: "finished")
        nonisolated(unsafe) var outcome: Result<TextResult, TaskError>?
        _ = backend.complete(CompletionTask(documentKey: key, prefix: "def f", maxTokens: 8, deadline: deadline,
                                            stop: stop)) {
            outcome = $0
            done.fulfill()
        }
        wait(for: [done], timeout: timeout)
        return outcome
    }

    private static func piece(_ text: String, finish: String? = nil) -> String {
        #"{"choices":[{"index":0,"text":"\#(text)","finish_reason":\#(finish.map { "\"\($0)\"" } ?? "null")}]}"#
    }

    private func assertEndpointError(_ outcome: Result<TextResult, TaskError>?, contains needle: String,
                                     file: StaticString = #filePath, line: UInt = #line) {
        guard case .failure(.endpoint(let url, let cause)) = outcome else {
            return XCTFail("expected an endpoint error, got \(String(describing: outcome))", file: file, line: line)
        }
        XCTAssertEqual(url, server?.url, file: file, line: line)
        XCTAssertTrue(cause.contains(needle), "\(cause) should mention \(needle)", file: file, line: line)
    }

    func testAStreamedReplyIsJoinedAndEndsAtItsFinishReason() throws {
        let backend = try backend { exchange in
            exchange.startEventStream()
            for piece in ["(x", "):", "\\n"] { exchange.event(Self.piece(piece)) }
            exchange.event(Self.piece("", finish: "length"))
            exchange.event("[DONE]")
        }
        let result = try XCTUnwrap(complete(backend)).get()
        XCTAssertEqual(result.text, "(x):\n")
        XCTAssertEqual(result.metrics.generatedTokens, 3)
        XCTAssertEqual(result.metrics.promptTokens, "def f".count)
        XCTAssertEqual(result.metrics.promptUnit, .characters, "the engine tokenized the prompt")
        let request = try XCTUnwrap(server?.requests.first { $0.hasPrefix("POST /v1/completions") })
        XCTAssertTrue(request.contains(#""stream":true"#), request)
    }

    func testStatus500IsAnEndpointErrorWithTheServersMessageAndStatusShowsIt() throws {
        let backend = try backend { $0.reply(status: 500, #"{"error":{"message":"out of memory"}}"#) }
        assertEndpointError(complete(backend), contains: "HTTP status 500")
        let endpoint = try XCTUnwrap(backend.status.endpoints.first)
        XCTAssertFalse(endpoint.healthy)
        XCTAssertTrue(endpoint.lastError?.contains("out of memory") ?? false, "\(endpoint)")
    }

    func testAnUnknownModelIsAnEndpointErrorNamingIt() throws {
        let backend = try backend { $0.reply(status: 404, #"{"error":{"message":"The model `m` does not exist."}}"#) }
        assertEndpointError(complete(backend), contains: "does not exist")
    }

    func testMalformedJSONInTheStreamIsAnEndpointError() throws {
        let backend = try backend { exchange in
            exchange.startEventStream()
            exchange.event(Self.piece("a"))
            exchange.event("{not json")
        }
        assertEndpointError(complete(backend), contains: "not JSON")
    }

    func testAStreamCutBeforeItsEndIsAnEndpointErrorNotAResult() throws {
        let backend = try backend { exchange in
            exchange.startEventStream()
            exchange.event(Self.piece("a"))
        }
        assertEndpointError(complete(backend), contains: "ended before")
    }

    func testAStalledServerFailsTheRequestAtTheTimeLimit() throws {
        var options = RemoteBackend.Options()
        options.requestTimeout = 1
        let backend = try backend(options: options) { exchange in
            exchange.startEventStream()
            _ = exchange.waitForClientClose(seconds: 10)
        }
        let started = Date()
        assertEndpointError(complete(backend), contains: "within 1 s")
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    }

    func testTheDeadlineKeepsTheTextSoFarAndClosesTheConnection() throws {
        let closed = expectation(description: "client closed the connection")
        let backend = try backend { exchange in
            exchange.startEventStream()
            exchange.event(Self.piece("partial"))
            if exchange.waitForClientClose(seconds: 10) { closed.fulfill() }
        }
        let result = try XCTUnwrap(complete(backend, deadline: .now() + .milliseconds(300))).get()
        XCTAssertEqual(result.text, "partial")
        wait(for: [closed], timeout: 5)
    }

    func testAStopRuleEndsTheTaskAndClosesTheConnectionWhileTheServerStillStreams() throws {
        let closed = expectation(description: "client closed the connection")
        let backend = try backend { exchange in
            exchange.startEventStream()
            for piece in ["a", "b", "\\n", "c", "d"] { exchange.event(Self.piece(piece)) }
            if exchange.waitForClientClose(seconds: 10) { closed.fulfill() }
        }
        let result = try XCTUnwrap(complete(backend, stop: { $0.contains("\n") })).get()
        XCTAssertEqual(result.text, "ab\n", "the text up to the piece that fired the rule")
        wait(for: [closed], timeout: 5)
    }

    func testCancelEndsTheTaskAsCancelledAndClosesTheConnection() throws {
        let closed = expectation(description: "client closed the connection")
        let started = DispatchSemaphore(value: 0)
        let backend = try backend { exchange in
            exchange.startEventStream()
            started.signal()
            if exchange.waitForClientClose(seconds: 10) { closed.fulfill() }
        }
        let done = expectation(description: "finished")
        nonisolated(unsafe) var outcome: Result<TextResult, TaskError>?
        let handle = backend.complete(CompletionTask(documentKey: "d", prefix: "x", maxTokens: 4)) {
            outcome = $0
            done.fulfill()
        }
        XCTAssertEqual(started.wait(timeout: .now() + 5), .success)
        handle.cancel()
        wait(for: [done, closed], timeout: 5)
        guard case .failure(.cancelled) = outcome else { return XCTFail("\(String(describing: outcome))") }
    }

    func testANewerCompletionForTheSameDocumentSupersedesTheOlderOne() throws {
        let backend = try backend { exchange in
            exchange.startEventStream()
            if exchange.request.contains("second") {
                exchange.event(Self.piece("2", finish: "stop"))
            } else {
                _ = exchange.waitForClientClose(seconds: 10)
            }
        }
        let first = expectation(description: "first finished")
        nonisolated(unsafe) var firstOutcome: Result<TextResult, TaskError>?
        _ = backend.complete(CompletionTask(documentKey: "d", prefix: "first", maxTokens: 4)) {
            firstOutcome = $0
            first.fulfill()
        }
        let second = expectation(description: "second finished")
        nonisolated(unsafe) var secondOutcome: Result<TextResult, TaskError>?
        _ = backend.complete(CompletionTask(documentKey: "d", prefix: "second", maxTokens: 4)) {
            secondOutcome = $0
            second.fulfill()
        }
        wait(for: [first, second], timeout: 5)
        guard case .failure(.superseded) = firstOutcome else { return XCTFail("\(String(describing: firstOutcome))") }
        XCTAssertEqual(try secondOutcome?.get().text, "2")
    }

    func testAnUnreachableEndpointIsAnEndpointErrorAtOnce() throws {
        // A port that was just free: nothing listens there.
        let probe = try ScriptedHTTPServer { _ in }
        let url = probe.url
        probe.stop()
        let backend = RemoteBackend(endpoint: try RemoteEndpoint(url: url, model: "m"))
        let outcome = complete(backend)
        guard case .failure(.endpoint(_, let cause)) = outcome else { return XCTFail("\(String(describing: outcome))") }
        XCTAssertTrue(cause.contains("connection"), cause)
    }

    func testClassificationNamesTheMissingCapabilityWhenTheServerGivesNoPromptLogprobs() throws {
        let backend = try backend { exchange in
            exchange.reply(status: 200, #"{"choices":[{"index":0,"text":"x","logprobs":null,"finish_reason":"length"}]}"#)
        }
        for _ in 0..<2 {
            let done = expectation(description: "classified")
            nonisolated(unsafe) var outcome: Result<Classification, TaskError>?
            _ = backend.classify(ClassificationTask(text: "let x = 1", labels: ["code", "prose"])) {
                outcome = $0
                done.fulfill()
            }
            wait(for: [done], timeout: 5)
            guard case .failure(.endpoint(_, let cause)) = outcome else { return XCTFail("\(String(describing: outcome))") }
            XCTAssertTrue(cause.contains("prompt log-probabilities"), cause)
        }
    }

    /// Found by the remote fuzz target (its inputs are Fuzz/Corpus/remote/crash-*): a task ends by cancelling its
    /// exchanges, and cancelling a URLSession task whose reply (or failure) was completing trapped the process
    /// inside FoundationNetworking. Here every connection closes at once and half the tasks are also cancelled by
    /// their caller, racing that end: each task ends exactly once and the process lives.
    func testTasksEndingAsTheirConnectionsCloseEndOnceAndNeverTrap() throws {
        let backend = try backend { _ in }
        for round in 0..<200 {
            let done = expectation(description: "round \(round) ended")
            let task = CompletionTask(documentKey: "doc", prefix: "x", maxTokens: 4, stop: { _ in true })
            let call = backend.complete(task) { _ in done.fulfill() }
            if round % 2 == 1 {
                usleep(UInt32(round % 7) * 200)
                call.cancel()
            }
            wait(for: [done], timeout: 5)
        }
    }

    func testAfterShutdownTasksAreCancelledAtOnce() throws {
        let backend = try backend { _ in }
        backend.shutdown()
        guard case .failure(.cancelled) = complete(backend) else { return XCTFail("expected cancelled") }
    }

    func testAReadOnlyRequestCutBeforeAnyReplyIsSentOnceMoreAndAnAlignedEchoScoresTheLabels() throws {
        let labels = ["code", "prose"]
        let prompt = PromptFormat.alpaca(instruction: PromptFormat.zeroShotInstruction(labels: labels), input: "x = 1")
        let cuts = CutCounter()
        let backend = try backend { exchange in
            // The first completion request's connection closes without a reply.
            if cuts.first() { return }
            if exchange.request.contains("quick brown fox") {
                // The probe: the last echoed position lists the distribution that predicted it, not the next token.
                let text = "The quick brown fox jumps over the lazy dog. The cat"
                return exchange.reply(status: 200, #"{"choices":[{"text":"\#(text)","logprobs":{"text_offset":[0,44],"#
                    + #""token_logprobs":[null,-2.0],"top_logprobs":[null,{" The":-1.0}]}}]}"#)
            }
            let logprob = exchange.request.contains("prose\"") ? -1.0 : -3.0
            let end = prompt.unicodeScalars.count
            exchange.reply(status: 200, #"{"choices":[{"text":"ignored","logprobs":{"text_offset":[0,\#(end - 1),\#(end)],"#
                + #""token_logprobs":[null,-0.5,\#(logprob)]}}]}"#)
        }
        let done = expectation(description: "classified")
        nonisolated(unsafe) var outcome: Result<Classification, TaskError>?
        _ = backend.classify(ClassificationTask(text: "x = 1", labels: labels)) {
            outcome = $0
            done.fulfill()
        }
        wait(for: [done], timeout: 10)
        let classification = try XCTUnwrap(outcome).get()
        XCTAssertEqual(classification.label, "prose")
        XCTAssertEqual(classification.scores[0].probability, 1 / (1 + exp(-2.0)), accuracy: 1e-12)
        guard case .success(.echo) = backend.scoring else { return XCTFail("\(String(describing: backend.scoring))") }
    }
}

/// True exactly once: for the first completion request a script sees.
final class CutCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var cut = false

    func first() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if cut { return false }
        cut = true
        return true
    }
}
