import Dispatch
import Foundation
import JSON
import Tasks
import Tokenizer
import XCTest
@testable import RemoteBackend

/// With the model's tokenizer the remote backend windows prompts in tokens, as local completion does, and its
/// metrics count tokens; without one it keeps to characters and says so.
final class TokenWindowTests: XCTestCase {
    private var server: ScriptedHTTPServer?
    private let tokenizer = try! BPETokenizer.gpt2()

    override func tearDown() { server?.stop() }

    /// A backend on a scripted server that answers every completion with one streamed piece.
    private func backend(contextTokens: Int = 256, tokenizer: BPETokenizer?) throws -> RemoteBackend {
        let server = try ScriptedHTTPServer { exchange in
            exchange.startEventStream()
            exchange.event(#"{"choices":[{"index":0,"text":" x","finish_reason":"stop"}]}"#)
            exchange.event("[DONE]")
        }
        self.server = server
        var options = RemoteBackend.Options()
        options.contextTokens = contextTokens
        return RemoteBackend(endpoint: try RemoteEndpoint(url: server.url, model: "m"), options: options,
                             tokenizer: tokenizer)
    }

    /// The prompts of the completion requests the server has received, in order.
    private func sentPrompts() throws -> [String] {
        try XCTUnwrap(server).requests.filter { $0.hasPrefix("POST /v1/completions") }.map { request in
            let body = try XCTUnwrap(request.range(of: "\r\n\r\n")).upperBound
            return try XCTUnwrap(JSONValue.parse(String(request[body...]))["prompt"]?.string)
        }
    }

    private func wait<T>(_ start: (@escaping @Sendable (Result<T, TaskError>) -> Void) -> Void) throws -> T {
        let done = expectation(description: "finished")
        nonisolated(unsafe) var outcome: Result<T, TaskError>?
        start { result in
            outcome = result
            done.fulfill()
        }
        wait(for: [done], timeout: 10)
        return try XCTUnwrap(outcome).get()
    }

    /// About 2,000 tokens of code: far longer than a 256-token context.
    private let document = (0..<200).map { "    total += values[\($0)] * weight  # é\n" }.joined() + "def mean(values):"

    func testWithATokenizerTheCompletionPromptIsTheDecodedWindowOfTheLastTokens() throws {
        let backend = try backend(tokenizer: tokenizer)
        let result = try wait { _ = backend.complete(CompletionTask(documentKey: "d", prefix: document, maxTokens: 8),
                                                     onFinish: $0) }
        let tokens = tokenizer.encode(String(PromptWindow.recentText(document, contextLength: 256)))
        let start = PromptWindow.start(tokenCount: tokens.count, capacity: 256 - 8, step: (256 - 8) / 4)
        XCTAssertGreaterThan(start, 0, "the document is longer than the window")
        let prompt = try XCTUnwrap(sentPrompts().first)
        // The window's text, less the bytes of a character the window's first token cuts into.
        let window = tokenizer.decodeBytes(Array(tokens[start...]))
        XCTAssertEqual(Array(window.suffix(prompt.utf8.count)), Array(prompt.utf8))
        XCTAssertLessThan(window.count - prompt.utf8.count, 4)
        XCTAssertTrue(document.hasSuffix(prompt))
        XCTAssertLessThanOrEqual(tokenizer.encode(prompt).count, 256 - 8, "the prompt leaves room for the reply")
        XCTAssertEqual(result.metrics.promptTokens, tokens.count - start)
        XCTAssertEqual(result.metrics.promptUnit, .tokens)
    }

    func testWithATokenizerConsecutiveKeystrokesSendTheSameBeginning() throws {
        let backend = try backend(tokenizer: tokenizer)
        var typed = document
        for character in "\n    return total / len(values)" {
            typed.append(character)
            _ = try wait { _ = backend.complete(CompletionTask(documentKey: "d", prefix: typed, maxTokens: 8),
                                                onFinish: $0) }
        }
        let prompts = try sentPrompts()
        XCTAssertEqual(prompts.count, 31)
        // Between two steps of the window each prompt is the previous one plus the typed character.
        let extended = zip(prompts, prompts.dropFirst()).filter { $1.hasPrefix($0) && $1.count == $0.count + 1 }
        XCTAssertGreaterThanOrEqual(extended.count, prompts.count - 2, "the window moved more than once")
    }

    func testWithoutATokenizerPromptsAndMetricsStayInCharacters() throws {
        let backend = try backend(tokenizer: nil)
        let result = try wait { _ = backend.complete(CompletionTask(documentKey: "d", prefix: document, maxTokens: 8),
                                                     onFinish: $0) }
        let prompt = try XCTUnwrap(sentPrompts().first)
        let characters = backend.options.completionCharacters
        XCTAssertEqual(prompt, String(PromptWindow.recentText(document, characters: characters)))
        XCTAssertEqual(result.metrics.promptTokens, prompt.count)
        XCTAssertEqual(result.metrics.promptUnit, .characters)
        let summary = try wait { _ = backend.summarize(SummaryTask(text: "let x = 1", maxTokens: 8),
                                                       progress: { _, _ in }, onFinish: $0) }
        XCTAssertEqual(summary.metrics.promptUnit, .characters, "a summary's summed metrics keep the unit")
    }

    func testWithATokenizerSummaryPiecesFitTheContextInTokens() throws {
        let backend = try backend(tokenizer: tokenizer)
        let summary = try wait { _ = backend.summarize(SummaryTask(text: document, maxTokens: 32),
                                                       progress: { _, _ in }, onFinish: $0) }
        let prompts = try sentPrompts()
        XCTAssertGreaterThan(prompts.count, 1, "the text was split")
        for prompt in prompts {
            XCTAssertLessThanOrEqual(tokenizer.encode(prompt).count, 256 - 32, prompt)
        }
        XCTAssertEqual(summary.metrics.promptTokens, prompts.map { tokenizer.encode($0).count }.reduce(0, +))
        XCTAssertEqual(summary.metrics.promptUnit, .tokens)
    }

    func testWithATokenizerAClassificationSendsTheDecodedWindowThatLeavesRoomForTheLongestLabel() throws {
        let labels = ["code", "a much longer label of prose"]
        // The probe finds an aligned echo; each label's request is answered with its last token scored -1.
        let server = try ScriptedHTTPServer { exchange in
            let body = exchange.request[exchange.request.range(of: "\r\n\r\n")!.upperBound...]
            let sent = (try? JSONValue.parse(String(body)))?["prompt"]?.string ?? ""
            if sent.contains("quick brown fox") {
                let text = "The quick brown fox jumps over the lazy dog. The cat"
                return exchange.reply(status: 200, #"{"choices":[{"text":"\#(text)","logprobs":{"text_offset":[0,44],"#
                    + #""token_logprobs":[null,-2.0],"top_logprobs":[null,{" The":-1.0}]}}]}"#)
            }
            let label = labels.first { sent.hasSuffix($0) } ?? ""
            let end = sent.unicodeScalars.count - label.unicodeScalars.count
            exchange.reply(status: 200, #"{"choices":[{"text":"x","logprobs":{"text_offset":[0,\#(end - 1),\#(end)],"#
                + #""token_logprobs":[null,-0.5,-1.0]}}]}"#)
        }
        self.server = server
        var options = RemoteBackend.Options()
        options.contextTokens = 256
        let backend = RemoteBackend(endpoint: try RemoteEndpoint(url: server.url, model: "m"), options: options,
                                    tokenizer: tokenizer)
        for text in [document, "let x = 1"] {
            _ = try wait { _ = backend.classify(ClassificationTask(text: text, labels: labels), onFinish: $0) }
        }
        // Each text's prompt, as sent before either label (the labels' requests run in parallel).
        let scored = try sentPrompts().filter { !$0.contains("quick brown fox") }.map { sent in
            String(sent.dropLast(labels.first { sent.hasSuffix($0) }!.count))
        }
        XCTAssertEqual(scored.count, 4, "one request per label and text")
        XCTAssertEqual(Set(scored.prefix(2)).count, 1, "both labels follow the same prompt")
        let instruction = PromptFormat.zeroShotInstruction(labels: labels)
        XCTAssertTrue(PromptFormat.alpaca(instruction: instruction, input: document).hasSuffix(scored[0]),
                      "the end of the prompt is kept")
        let room = 256 - tokenizer.encode(labels[1]).count
        let sent = tokenizer.encode(scored[0]).count
        XCTAssertTrue((room - 2...room).contains(sent), "\(sent) tokens")
        XCTAssertEqual(scored[3], PromptFormat.alpaca(instruction: instruction, input: "let x = 1"),
                       "a short text is sent whole")
    }
}
