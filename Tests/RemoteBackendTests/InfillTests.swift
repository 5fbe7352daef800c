import Dispatch
import Foundation
import JSON
import Tasks
import XCTest
@testable import RemoteBackend

/// Completions through llama.cpp's `/infill` where the engine has it, and through `/v1/completions` in the model's
/// FIM layout (or from the prefix alone) where it has not: the probe's answer is remembered.
final class InfillTests: XCTestCase {
    private var server: ScriptedHTTPServer?

    override func tearDown() { server?.stop() }

    private func backend(servesInfill: Bool, fim: FIMChoice = .automatic) throws -> RemoteBackend {
        server?.stop()
        let server = try ScriptedHTTPServer(servesInfill: true) { exchange in
            if exchange.path.hasSuffix("/infill") {
                guard servesInfill else { return exchange.reply(status: 404, #"{"error": "File Not Found"}"#) }
                exchange.startEventStream()
                exchange.event(#"{"content":"return ","stop":false}"#)
                exchange.event(#"{"content":"x * 2","stop":true,"timings":{"prompt_n":5,"cache_n":40}}"#)
            } else {
                exchange.startEventStream()
                exchange.event(#"{"choices":[{"index":0,"text":" x","finish_reason":"stop"}]}"#)
                exchange.event("[DONE]")
            }
        }
        self.server = server
        var options = RemoteBackend.Options()
        options.fim = fim
        return RemoteBackend(endpoint: try RemoteEndpoint(url: server.url, model: "m"), options: options)
    }

    private func wait(_ backend: RemoteBackend, _ task: CompletionTask) throws -> TextResult {
        let done = expectation(description: "finished")
        nonisolated(unsafe) var outcome: Result<TextResult, TaskError>?
        _ = backend.complete(task) { result in
            outcome = result
            done.fulfill()
        }
        wait(for: [done], timeout: 10)
        return try XCTUnwrap(outcome).get()
    }

    /// The JSON bodies of the requests to paths ending in `path`.
    private func bodies(_ path: String) throws -> [JSONValue] {
        try XCTUnwrap(server).requests.filter { $0.hasPrefix("POST ") && $0.split(separator: " ")[1].hasSuffix(path) }
            .map { request in
                let body = try XCTUnwrap(request.range(of: "\r\n\r\n")).upperBound
                return try JSONValue.parse(String(request[body...]))
            }
    }

    /// Made for each use: XCTest creates every test case at the start of the run, so a stored deadline would have
    /// passed by the time a late test runs.
    private var task: CompletionTask {
        CompletionTask(documentKey: "file:///w/m.py", prefix: "def double(x):\n    ", maxTokens: 16,
                       deadline: .now() + .seconds(5), suffix: "\nprint(double(2))\n",
                       context: [ContextChunk(name: "u.py", text: "def half(x):\n    return x / 2\n")],
                       contextTokens: 64)
    }

    func testTheInfillRequestCarriesPrefixSuffixContextAndIndentAndItsCountsAreTheEngines() throws {
        let backend = try backend(servesInfill: true)
        let result = try wait(backend, task)
        XCTAssertEqual(result.text, "return x * 2")
        XCTAssertEqual([result.metrics.promptTokens, result.metrics.reusedTokens, result.metrics.computedTokens],
                       [45, 40, 5])
        XCTAssertEqual(result.metrics.promptUnit, .tokens)
        let body = try XCTUnwrap(bodies("/infill").first)
        XCTAssertEqual(try XCTUnwrap(server).requests.first?.hasPrefix("POST /infill "), true,
                       "/infill is at the server's root, not under /v1")
        XCTAssertEqual(body["input_prefix"], "def double(x):\n    ")
        XCTAssertEqual(body["input_suffix"], "\nprint(double(2))\n")
        XCTAssertEqual(body["input_extra"], [["filename": "u.py", "text": "def half(x):\n    return x / 2\n"]])
        XCTAssertEqual(body["n_indent"], 4)
        XCTAssertEqual(body["n_predict"], 16)
        XCTAssertEqual(body["cache_prompt"], true)
        XCTAssertEqual(body["stream"], true)
        let left = try XCTUnwrap(body["t_max_predict_ms"]?.int)
        XCTAssertTrue((1...5000).contains(left), "\(left)")
        XCTAssertTrue(try bodies("/completions").isEmpty)
    }

    func testARefusedProbeFallsBackToCompletionsInTheNamedLayoutAndIsRemembered() throws {
        let backend = try backend(servesInfill: false, fim: .family(.qwen))
        XCTAssertEqual(try wait(backend, task).text, " x")
        XCTAssertEqual(try wait(backend, task).text, " x")
        XCTAssertEqual(try bodies("/infill").count, 1, "asked once")
        let prompts = try bodies("/completions").compactMap { $0["prompt"]?.string }
        XCTAssertEqual(prompts.count, 2)
        XCTAssertEqual(prompts.first, "<|repo_name|>workspace\n<|file_sep|>u.py\ndef half(x):\n    return x / 2\n"
                       + "<|file_sep|>m.py\n<|fim_prefix|>def double(x):\n    <|fim_suffix|>\nprint(double(2))\n"
                       + "<|fim_middle|>")
        XCTAssertEqual(backend.status.endpoints.first?.failures, 0, "a refused probe is not an engine failure")
    }

    /// llama.cpp's `/infill` builds the prefix-first order, so a model trained suffix first is never sent there.
    func testASuffixFirstModelIsPromptedThroughCompletionsInItsOrder() throws {
        let backend = try backend(servesInfill: true, fim: FIMChoice(layout: .family(.qwen), order: .suffixPrefixMiddle))
        XCTAssertEqual(try wait(backend, task).text, " x")
        XCTAssertTrue(try bodies("/infill").isEmpty)
        XCTAssertEqual(try bodies("/completions").first?["prompt"]?.string,
                       "<|repo_name|>workspace\n<|file_sep|>u.py\ndef half(x):\n    return x / 2\n<|file_sep|>m.py\n"
                       + "<|fim_prefix|><|fim_suffix|>\nprint(double(2))\n<|fim_middle|>def double(x):\n    ")
    }

    func testAProbeAnsweredWithSomethingElseThanAnInfillStreamFallsBackToo() throws {
        let server = try ScriptedHTTPServer(servesInfill: true) { exchange in
            exchange.startEventStream()
            exchange.event(#"{"choices":[{"index":0,"text":" x","finish_reason":"stop"}]}"#)
            exchange.event("[DONE]")
        }
        self.server = server
        let backend = RemoteBackend(endpoint: try RemoteEndpoint(url: server.url, model: "m"))
        XCTAssertEqual(try wait(backend, task).text, " x")
        XCTAssertEqual(backend.infillSupport, .unavailable)
        XCTAssertEqual(try bodies("/completions").count, 1)
    }

    func testWithoutAKnownLayoutTheFallbackIsThePrefixAloneAndFIMOffNeverProbes() throws {
        let backend = try backend(servesInfill: false)
        _ = try wait(backend, task)
        XCTAssertEqual(try bodies("/completions").first?["prompt"]?.string, "def double(x):\n    ")
        let off = try self.backend(servesInfill: true, fim: .off)
        _ = try wait(off, task)
        XCTAssertTrue(try bodies("/infill").isEmpty)
    }

    /// Two completions of one document while the engine is still being probed: the newer wins, whichever probe is
    /// answered first (a slow first probe once let its fallback supersede the newer completion).
    func testANewerCompletionSupersedesAnOlderOneStillProbing() throws {
        let server = try ScriptedHTTPServer(servesInfill: true) { exchange in
            if exchange.path.hasSuffix("/infill") {
                if exchange.request.contains("older") { Thread.sleep(forTimeInterval: 0.5) }
                return exchange.reply(status: 404, #"{"error": "File Not Found"}"#)
            }
            exchange.startEventStream()
            guard exchange.request.contains("newer") else { return _ = exchange.waitForClientClose(seconds: 10) }
            exchange.event(#"{"choices":[{"index":0,"text":" x","finish_reason":"stop"}]}"#)
            exchange.event("[DONE]")
        }
        self.server = server
        let backend = RemoteBackend(endpoint: try RemoteEndpoint(url: server.url, model: "m"))
        func completion(_ prefix: String) -> CompletionTask {
            CompletionTask(documentKey: "file:///w/m.py", prefix: prefix, maxTokens: 4, deadline: .now() + .seconds(20))
        }
        let older = expectation(description: "older finished"), newer = expectation(description: "newer finished")
        nonisolated(unsafe) var olderOutcome: Result<TextResult, TaskError>?
        nonisolated(unsafe) var newerOutcome: Result<TextResult, TaskError>?
        _ = backend.complete(completion("older")) { olderOutcome = $0; older.fulfill() }
        Thread.sleep(forTimeInterval: 0.1)
        _ = backend.complete(completion("newer")) { newerOutcome = $0; newer.fulfill() }
        wait(for: [older, newer], timeout: 5)
        guard case .failure(.superseded) = olderOutcome else { return XCTFail("\(String(describing: olderOutcome))") }
        XCTAssertEqual(try newerOutcome?.get().text, " x")
    }
}
