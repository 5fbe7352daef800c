import Foundation
import Model
import ModelFiles
import Tasks
import XCTest
@testable import Engine
@testable import LocalBackend

/// Prompt-lookup drafts on real models: greedy decoding with drafts gives the tokens and log-probabilities of greedy
/// decoding without them, on code that repeats (drafts accepted) and on text that does not, and a later prompt
/// sharing the drafted sequence's prefix reads only keys and values greedy decoding would have written.
final class DraftedDecodingModelTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A Python file whose second function retypes the first under other names: what prompt lookup is for.
    private static let repetitiveCode = """
        def total_price(items, tax_rate):
            subtotal = 0
            for item in items:
                subtotal += item.price * item.quantity
            tax = subtotal * tax_rate
            return subtotal + tax


        def total_weight(items, tax_rate):
            subtotal = 0
            for item in items:
        """

    private func bundled(_ weights: WeightFormat) throws -> (GPTModel, [Int]) {
        let source = try ModelSource(model: Self.root.appendingPathComponent("models/default").path, task: .completion)
        let config = try source.config.map { try GPTConfig(contentsOf: $0) }
        let model = try GPTModel.load(from: source.weights, config: config, weights: weights)
        return (model, try ModelLoader.tokenizer(for: source).encode(Self.repetitiveCode))
    }

    private func engine(_ model: GPTModel, lookup: PromptLookup?) -> Engine {
        var options = Engine.Options()
        options.promptLookup = lookup
        let bytesPerBlock = 2 * model.config.nLayer * 16 * model.config.nEmbd * 4
        return Engine(models: [GPTStepModel(model: model, cacheBytes: 64 * bytesPerBlock)], options: options)
    }

    private func run(_ engine: Engine, _ prompt: [Int], tokens: Int) throws -> JobResult {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<JobResult, EngineError>?
        try engine.submit(Job(priority: .interactive, prompt: prompt, maxTokens: tokens)) { result in
            outcome = result
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success)
        return try XCTUnwrap(outcome).get()
    }

    /// Runs every prompt with and without drafts; returns the drafted engine's statistics.
    @discardableResult
    private func checkIdentity(_ model: GPTModel, prompts: [[Int]], tokens: Int,
                               file: StaticString = #filePath, line: UInt = #line) throws -> EngineStatistics {
        let plain = engine(model, lookup: nil)
        let drafted = engine(model, lookup: PromptLookup())
        for (index, prompt) in prompts.enumerated() {
            let expected = try run(plain, prompt, tokens: tokens)
            let result = try run(drafted, prompt, tokens: tokens)
            XCTAssertEqual(result.tokens, expected.tokens, "prompt \(index)", file: file, line: line)
            // Tokens are identical; a log-probability may differ in its last float bits: a verify step computes its
            // positions with the matrix kernels' many-row tiles, whose summation order may differ from the one-row
            // kernels' (seen on the bundled model's 8,198-column head, whose last panel of 16 columns is not full).
            XCTAssertEqual(result.logprobs.count, expected.logprobs.count, "prompt \(index)", file: file, line: line)
            for (got, want) in zip(result.logprobs, expected.logprobs) {
                XCTAssertEqual(got, want, accuracy: 1e-4, "prompt \(index)", file: file, line: line)
            }
            XCTAssertEqual(result.finishReason, expected.finishReason, "prompt \(index)", file: file, line: line)
        }
        return drafted.statistics
    }

    func testDraftsOnTheBundledModelGiveExactlyItsGreedyTokens() throws {
        for weights in [WeightFormat.f32, .bf16, .int8] {
            let (model, code) = try bundled(weights)
            let unrepeated = Array(code.prefix(20))
            let figures = try checkIdentity(model, prompts: [code, unrepeated], tokens: 40)
            XCTAssertGreaterThan(figures.acceptedDraftTokens, 10, "\(weights): the repeated function was not drafted")
            XCTAssertLessThan(figures.acceptedDraftTokens, figures.draftedTokens, "\(weights): no draft was rejected")
        }
    }

    func testDraftsOnALlamaFamilyModelGiveExactlyItsGreedyTokens() throws {
        let model = try GPTModel.load(from: Self.root.appendingPathComponent(
            "Tests/ModelTestSupport/Fixtures/family-llama"))
        let motif = [5, 17, 29, 41, 53, 65, 77]
        let repeating = motif + [3] + motif + [9] + motif.prefix(3)
        let figures = try checkIdentity(model, prompts: [repeating, Array(100..<130)], tokens: 40)
        XCTAssertGreaterThan(figures.draftedTokens, 0)
    }

    func testAPromptSharingADraftedSequencesPrefixGetsTheTokensOfAColdRun() throws {
        let (model, code) = try bundled(.f32)
        let drafted = engine(model, lookup: PromptLookup())
        let first = try run(drafted, code, tokens: 30)
        XCTAssertLessThan(drafted.statistics.acceptedDraftTokens, drafted.statistics.draftedTokens,
                          "no draft was rejected, so nothing stale could be left in the cache")
        // The next keystroke takes part of the completion and types on; its prefix comes from the drafted blocks.
        let next = code + first.tokens.prefix(21) + [first.tokens[0]]
        let warm = try run(drafted, next, tokens: 20)
        XCTAssertGreaterThan(warm.metrics.reusedTokens, code.count)
        let cold = try run(engine(model, lookup: nil), next, tokens: 20)
        XCTAssertEqual(warm.tokens, cold.tokens)
        for (a, b) in zip(warm.logprobs, cold.logprobs) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }
}
