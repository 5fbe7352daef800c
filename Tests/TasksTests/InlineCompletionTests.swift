import Dispatch
import Tasks
import Tokenizer
import XCTest

/// Inline completion over any generator: the prompt window in the generator's unit, and the task's stop rule,
/// deadline, supersede key and owner handed on.
final class InlineCompletionTests: XCTestCase {
    private let tokenizer = try! BPETokenizer.gpt2()
    /// About 2,000 tokens of code: far longer than a 256-token context.
    private let document = (0..<200).map { "    total += values[\($0)] * weight  # é\n" }.joined()
        + "def mean(values):"

    private func complete(_ task: CompletionTask, measure: PromptMeasure) throws -> GenerationRequest {
        let generator = ScriptedGenerator(measure: measure, replies: [.pieces([" x"])])
        let outcomes = Outcomes<TextResult>()
        _ = InlineCompletion.run(task, on: generator, onFinish: outcomes.onFinish)
        XCTAssertEqual(try XCTUnwrap(outcomes.only).get().text, " x")
        return try XCTUnwrap(generator.generations.first)
    }

    func testInTokensThePromptIsTheSteppedWindowOfTheLastTokensAndTheReplyGetsAtMostHalfTheContext() throws {
        let request = try complete(CompletionTask(documentKey: "d", prefix: document, maxTokens: 200),
                                   measure: .tokens(tokenizer, context: 256))
        let tokens = tokenizer.encode(String(PromptWindow.recentText(document, contextLength: 256)))
        let start = PromptWindow.start(tokenCount: tokens.count, capacity: 128, step: 32)
        XCTAssertGreaterThan(start, 0, "the document is longer than the window")
        XCTAssertEqual(request.prompt, .tokens(Array(tokens[start...])))
        XCTAssertEqual(request.maxTokens, 128)
        XCTAssertTrue(request.endsAtCursor, "a completion's prompt ends at the cursor: it may be healed")
    }

    func testInCharactersThePromptIsTheEndOfTheTextAndTheTasksCapStands() throws {
        let limits = CharacterLimits(completion: 300, input: 100)
        let request = try complete(CompletionTask(documentKey: "d", prefix: document, maxTokens: 200),
                                   measure: .characters(limits))
        XCTAssertEqual(request.prompt, .text(String(PromptWindow.recentText(document, characters: 300))))
        XCTAssertEqual(request.maxTokens, 200)
    }

    func testAnEmptyDocumentIsContinuedFromTheStartOfAText() throws {
        let empty = CompletionTask(documentKey: "d", prefix: "", maxTokens: 8)
        XCTAssertEqual(try complete(empty, measure: .tokens(tokenizer, context: 64)).prompt,
                       .tokens([try XCTUnwrap(tokenizer.endOfText)]))
        XCTAssertEqual(try complete(empty, measure: .characters(CharacterLimits(completion: 30, input: 30))).prompt,
                       .text("<|endoftext|>"))
    }

    func testTheStopRuleDeadlineSupersedeKeyAndOwnerGoWithTheRequest() throws {
        let deadline = DispatchTime.now() + .seconds(5)
        let task = CompletionTask(documentKey: "file:///a.py", prefix: "x = ", maxTokens: 8, temperature: 0.5,
                                  deadline: deadline, stop: { $0.contains("\n") }, client: "editor 1")
        let request = try complete(task, measure: .tokens(tokenizer, context: 64))
        XCTAssertEqual(request.task, .completion)
        XCTAssertEqual(request.owner, "editor 1")
        XCTAssertEqual(request.supersedeKey, task.supersedeKey)
        XCTAssertEqual(request.deadline, deadline)
        XCTAssertEqual(request.temperature, 0.5)
        XCTAssertTrue(request.stop("a\n"))
        XCTAssertFalse(request.stop("a"))
    }
}
