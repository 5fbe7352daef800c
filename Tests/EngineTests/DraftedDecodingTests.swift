import XCTest
@testable import Engine

/// Greedy decoding with prompt-lookup drafts gives exactly the tokens of greedy decoding without them, over a
/// scripted model whose outputs read every earlier position back through the block table (so a rejected draft left
/// in the cache would change what follows).
final class DraftedDecodingTests: XCTestCase {
    /// Text that mostly repeats itself 12 tokens back, with a fresh token every fifth position: drafts are accepted
    /// for a while, then rejected.
    private static let repeating: @Sendable ([Int]) -> Int = { history in
        history.count % 5 == 0 || history.count < 12
            ? history.reduce(0, +) * 31 + history.count : history[history.count - 12]
    }
    private let prompt = Array(0..<40).map { $0 % 12 } + [50, 51]

    private func engine(lookup: PromptLookup?, rule: (@Sendable ([Int]) -> Int)? = repeating,
                        scheduler: Scheduler = Scheduler()) -> (Engine, ScriptedStepModel) {
        let model = ScriptedStepModel(contextLength: 512, blocks: 64, rule: rule)
        var options = Engine.Options()
        options.promptLookup = lookup
        options.scheduler = scheduler
        return (Engine(models: [model], options: options), model)
    }

    private func run(_ engine: Engine, _ jobs: [Job]) throws -> [JobResult] {
        let outcomes = Outcomes()
        try engine.submit(jobs.enumerated().map { ($0.element, outcomes.callback($0.offset)) })
        return try jobs.indices.map { try XCTUnwrap(outcomes.wait($0)).get() }
    }

    func testDraftedGreedyDecodingGivesTheTokensAndLogprobsOfPlainGreedyDecoding() throws {
        let job = Job(priority: .interactive, prompt: prompt, maxTokens: 60)
        let (plain, model) = engine(lookup: nil)
        let (drafted, _) = engine(lookup: PromptLookup())
        let expected = try run(plain, [job])[0]
        let result = try run(drafted, [job])[0]
        XCTAssertEqual(expected.tokens, model.greedy(prompt, tokens: 60))
        XCTAssertEqual(result.tokens, expected.tokens)
        XCTAssertEqual(result.logprobs, expected.logprobs)
        XCTAssertEqual(result.finishReason, .length)
        let figures = drafted.statistics
        XCTAssertGreaterThan(figures.acceptedDraftTokens, 20, "the repeats were not drafted")
        XCTAssertLessThan(figures.acceptedDraftTokens, figures.draftedTokens, "no draft was rejected")
        XCTAssertEqual(result.metrics.acceptedDraftTokens, figures.acceptedDraftTokens)
        XCTAssertLessThan(figures.steps, plain.statistics.steps - 20, "accepted drafts did not save steps")
        XCTAssertEqual(plain.statistics.draftedTokens, 0)
    }

    func testTextThatNeverRepeatsIsDecodedAsWithoutDrafts() throws {
        let job = Job(priority: .interactive, prompt: Array(100..<140), maxTokens: 40)
        let (plain, model) = engine(lookup: nil, rule: nil)
        let (drafted, _) = engine(lookup: PromptLookup(), rule: nil)
        let result = try run(drafted, [job])[0]
        XCTAssertEqual(result.tokens, try run(plain, [job])[0].tokens)
        XCTAssertEqual(result.tokens, model.greedy(Array(100..<140), tokens: 40))
    }

    func testAStopTokenInsideAnAcceptedDraftEndsGenerationThere() throws {
        let (plain, model) = engine(lookup: nil)
        let greedy = model.greedy(prompt, tokens: 60)
        // A token that greedy decoding produces late, after drafts have been accepted.
        let stop = greedy[45]
        let job = Job(priority: .interactive, prompt: prompt, maxTokens: 60, stopTokens: [stop])
        let expected = try run(plain, [job])[0]
        let result = try run(engine(lookup: PromptLookup()).0, [job])[0]
        XCTAssertEqual(result.tokens, expected.tokens)
        XCTAssertEqual(result.finishReason, .stop)
        XCTAssertEqual(result.tokens, Array(greedy.prefix { $0 != stop }))
    }

    func testEveryMaxTokensIsHonouredExactly() throws {
        let (plain, _) = engine(lookup: nil)
        let (drafted, _) = engine(lookup: PromptLookup())
        for maxTokens in [1, 2, 3, 9, 10, 17] {
            let job = Job(priority: .interactive, prompt: prompt, maxTokens: maxTokens)
            let result = try run(drafted, [job])[0]
            XCTAssertEqual(result.tokens.count, maxTokens)
            XCTAssertEqual(result.tokens, try run(plain, [job])[0].tokens)
        }
    }

    func testAPromptSharingTheDraftedPrefixReadsOnlyAcceptedKeysAndValues() throws {
        let (drafted, _) = engine(lookup: PromptLookup())
        let first = try run(drafted, [Job(priority: .interactive, prompt: prompt, maxTokens: 37)])[0]
        XCTAssertLessThan(drafted.statistics.acceptedDraftTokens, drafted.statistics.draftedTokens)
        // The next keystroke: the prompt plus what was generated and one typed token, mostly served from the cache.
        let next = prompt + first.tokens + [9]
        let job = Job(priority: .interactive, prompt: next, maxTokens: 30)
        let warm = try run(drafted, [job])[0]
        XCTAssertGreaterThan(warm.metrics.reusedTokens, prompt.count)
        let (plain, _) = engine(lookup: nil)
        XCTAssertEqual(warm.tokens, try run(plain, [job])[0].tokens)
    }

    func testBatchedSequencesDraftIndependently() throws {
        let prompts = [prompt, prompt.map { ($0 + 3) % 12 } + [60], Array(100..<130)]
        let jobs = prompts.map { Job(priority: .interactive, prompt: $0, maxTokens: 40) }
        let (plain, _) = engine(lookup: nil)
        let (drafted, _) = engine(lookup: PromptLookup())
        XCTAssertEqual(try run(drafted, jobs).map(\.tokens), try run(plain, jobs).map(\.tokens))
    }

    func testDraftsNeverTakeAStepPastItsTokenBudget() throws {
        let budget = Scheduler(tokenBudget: 4)
        let jobs = (0..<3).map { Job(priority: .interactive, prompt: prompt + [$0], maxTokens: 30) }
        let (plain, _) = engine(lookup: nil, scheduler: budget)
        let (drafted, model) = engine(lookup: PromptLookup(), scheduler: budget)
        XCTAssertEqual(try run(drafted, jobs).map(\.tokens), try run(plain, jobs).map(\.tokens))
        XCTAssertLessThanOrEqual(model.largestStep, 4)
    }

    func testACopyMixtureDecodesTheSameWithDraftsAsWithout() throws {
        // Another file's text holds the prompt's last tokens followed by 20...23: a strong copy takes them, then the
        // model goes on (its repeats drafted).
        let text = [3, 50, 51, 20, 21, 22, 23, -1] + prompt.suffix(3)
        var job = Job(priority: .interactive, prompt: prompt, maxTokens: 40)
        job.copy = CopySource(mixture: CopyMixture(weight: 0.9), text: text)
        let (plain, model) = engine(lookup: nil)
        let (drafted, _) = engine(lookup: PromptLookup())
        let expected = try run(plain, [job])[0]
        XCTAssertEqual(Array(expected.tokens.prefix(4)), [20, 21, 22, 23])
        XCTAssertNotEqual(Array(model.greedy(prompt, tokens: 4)), [20, 21, 22, 23])
        let result = try run(drafted, [job])[0]
        XCTAssertEqual(result.tokens, expected.tokens)
        XCTAssertGreaterThan(drafted.statistics.acceptedDraftTokens, 0)
    }

    func testSampledSequencesDoNotDraft() throws {
        let (drafted, _) = engine(lookup: PromptLookup())
        let sampler = Sampler(Sampler.Parameters(temperature: 0.8, seed: 7))
        _ = try run(drafted, [Job(priority: .interactive, prompt: prompt, maxTokens: 30, sampler: sampler)])
        XCTAssertEqual(drafted.statistics.draftedTokens, 0)
    }
}
