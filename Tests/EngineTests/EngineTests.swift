import Dispatch
import XCTest
@testable import Engine

/// Scheduling rules of the engine, over a scripted model (see `ScriptedStepModel`): the cache, supersede, cancel,
/// admission and fairness, without weights. `GPTStepModelTests` runs the engine on a real model.
final class EngineTests: XCTestCase {
    private let prompt = Array(1000..<1100)  // 100 tokens

    private func run(_ engine: Engine, _ job: Job) throws -> JobResult {
        let outcomes = Outcomes()
        try engine.submit(job, onFinish: outcomes.callback(0))
        return try XCTUnwrap(outcomes.wait(0)).get()
    }

    private func generate(_ prompt: [Int], tokens: Int = 8, priority: Priority = .interactive) -> Job {
        Job(priority: priority, prompt: prompt, maxTokens: tokens)
    }

    /// A job that holds the engine thread in its first step until `hold.release()`, then stops.
    private func holder(_ hold: StepHold, tokens: Int = 2) -> Job {
        var job = generate(prompt, tokens: tokens)
        job.decode = { _ in "" }
        job.stopText = hold.rule(stop: true)
        return job
    }

    func testAppendingOneTokenToACachedPromptComputesOnlyThatToken() throws {
        let engine = TestEngine.make().engine
        let first = try run(engine, generate(prompt))
        XCTAssertEqual(first.metrics.computedTokens, 100)
        let second = try run(engine, generate(prompt + [42]))
        XCTAssertEqual(second.metrics.reusedTokens, 100)
        XCTAssertEqual(second.metrics.computedTokens, 1)
    }

    func testAnEditInTheMiddleRecomputesFromTheFirstChangedToken() throws {
        let (engine, model) = TestEngine.make()
        _ = try run(engine, generate(prompt))
        var edited = prompt
        edited[37] = 7
        let result = try run(engine, generate(edited))
        XCTAssertEqual(result.metrics.reusedTokens, 37)
        XCTAssertEqual(result.metrics.computedTokens, 63)
        XCTAssertEqual(result.tokens, model.greedy(edited, tokens: 8), "stale blocks were read after the edit")
    }

    func testCachedAndUncachedRunsGiveTheModelsOwnTokens() throws {
        let cold = try run(TestEngine.make().engine, generate(prompt + [5, 6, 7], tokens: 16))
        let (engine, model) = TestEngine.make()
        _ = try run(engine, generate(prompt))
        let warm = try run(engine, generate(prompt + [5, 6, 7], tokens: 16))
        XCTAssertEqual(warm.metrics.computedTokens, 3)
        XCTAssertEqual(cold.tokens, model.greedy(prompt + [5, 6, 7], tokens: 16))
        XCTAssertEqual(warm.tokens, cold.tokens)
        XCTAssertEqual(warm.logprobs.count, 16)
    }

    func testAStopTokenEndsGenerationAndIsNotPartOfTheOutput() throws {
        let (engine, model) = TestEngine.make()
        let free = model.greedy(prompt, tokens: 8)
        var job = generate(prompt, tokens: 8)
        job.stopTokens = [free[3]]
        let result = try run(engine, job)
        let stop = try XCTUnwrap(free.firstIndex(of: free[3]))
        XCTAssertEqual(result.tokens, Array(free.prefix(stop)))
        XCTAssertEqual(result.finishReason, .stop)
        XCTAssertEqual(try run(engine, generate(prompt, tokens: 8)).finishReason, .length)
    }

    func testConcurrentJobsAreBatchedAndEachGetsItsOwnTokens() throws {
        let prompts = (0..<6).map { i in Array((2000 + i * 50)..<(2000 + i * 50 + 20 + i * 7)) }
        let (engine, model) = TestEngine.make()
        let hold = StepHold()
        let outcomes = Outcomes()
        try engine.submit(holder(hold), onFinish: outcomes.callback(100))
        hold.waitUntilHeld()
        for (i, prompt) in prompts.enumerated() {
            try engine.submit(generate(prompt, tokens: 12), onFinish: outcomes.callback(i))
        }
        hold.release()
        for i in prompts.indices {
            XCTAssertEqual(try XCTUnwrap(outcomes.wait(i)).get().tokens, model.greedy(prompts[i], tokens: 12), "prompt \(i)")
        }
        XCTAssertLessThan(engine.statistics.steps, prompts.count * 12, "the jobs were not batched")
    }

    func testEvictionKeepsTheCacheWithinItsBudget() throws {
        let engine = TestEngine.make(blocks: 12).engine
        for i in 0..<10 {
            _ = try run(engine, generate(Array((i * 100)..<(i * 100 + 60)), tokens: 4))
            let cache = engine.statistics.caches[0]
            XCTAssertLessThanOrEqual(cache.statistics.blocksHeld, 12)
        }
        XCTAssertGreaterThan(engine.statistics.caches[0].statistics.evictions, 0)
        XCTAssertEqual(engine.statistics.caches[0].statistics.blocksInUse, 0)
    }

    func testARequestLargerThanTheCacheIsRefusedUpFront() throws {
        let engine = TestEngine.make(blocks: 2).engine
        XCTAssertThrowsError(try engine.submit(generate(prompt), onFinish: { _ in })) { error in
            XCTAssertEqual(error as? EngineError, .tooLargeForCache(blocksNeeded: 7, capacity: 2))
        }
    }

    func testAPromptLongerThanTheContextIsRefused() throws {
        let engine = TestEngine.make().engine
        XCTAssertThrowsError(try engine.submit(generate(Array(repeating: 1, count: 300)), onFinish: { _ in })) { error in
            XCTAssertEqual(error as? EngineError, .promptTooLong(tokens: 300, context: 256))
        }
    }

    func testAdmissionIsBoundedAndSaysBusy() throws {
        let engine = TestEngine.make(maximumJobs: 2).engine
        let hold = StepHold()
        let outcomes = Outcomes()
        try engine.submit(holder(hold), onFinish: outcomes.callback(0))
        hold.waitUntilHeld()
        try engine.submit(generate(prompt), onFinish: outcomes.callback(1))
        XCTAssertThrowsError(try engine.submit(generate(prompt), onFinish: { _ in })) { error in
            XCTAssertEqual(error as? EngineError, .busy(queued: 2, limit: 2))
        }
        hold.release()
        XCTAssertNotNil(try outcomes.wait(1)?.get())
        XCTAssertNoThrow(try run(engine, generate(prompt)), "a finished job must free its place")
    }

    func testSpeculativeJobsNeverMakeARealRequestBusy() throws {
        let engine = TestEngine.make(maximumJobs: 2).engine
        let hold = StepHold()
        let outcomes = Outcomes()
        try engine.submit(holder(hold), onFinish: outcomes.callback(0))
        hold.waitUntilHeld()
        try engine.submit(generate(prompt, priority: .speculative), onFinish: outcomes.callback(1))
        // Two live jobs, one of them speculative: a real one still fits, a speculative one does not.
        XCTAssertThrowsError(try engine.submit(generate(prompt, priority: .speculative), onFinish: { _ in })) { error in
            XCTAssertEqual(error as? EngineError, .busy(queued: 2, limit: 2))
        }
        try engine.submit(generate(prompt), onFinish: outcomes.callback(2))
        hold.release()
        XCTAssertNotNil(try outcomes.wait(1)?.get())
        XCTAssertNotNil(try outcomes.wait(2)?.get())
        XCTAssertNoThrow(try run(engine, generate(prompt, priority: .speculative)), "finished jobs free their places")
    }

    func testAFloodingOwnerCannotGetAnotherOwnersJobRefusedAsBusy() throws {
        let engine = TestEngine.make(maximumJobs: 4).engine
        let hold = StepHold()
        let outcomes = Outcomes()
        var flood = holder(hold)
        flood.owner = "flooder"
        try engine.submit(flood, onFinish: outcomes.callback(0))
        hold.waitUntilHeld()
        for index in 1...3 {
            var job = generate(prompt, tokens: 1)
            job.owner = "flooder"
            try engine.submit(job, onFinish: outcomes.callback(index))
        }
        var more = generate(prompt, tokens: 1)
        more.owner = "flooder"
        XCTAssertThrowsError(try engine.submit(more, onFinish: { _ in }), "the flooder is at the limit") { error in
            XCTAssertEqual(error as? EngineError, .busy(queued: 4, limit: 4))
        }
        // Two owners share the limit: the newcomer may hold two jobs although the total is past the limit.
        for index in 10...11 {
            var keystroke = generate(prompt, tokens: 1)
            keystroke.owner = "typist"
            XCTAssertNoThrow(try engine.submit(keystroke, onFinish: outcomes.callback(index)), "typist job \(index)")
        }
        var third = generate(prompt, tokens: 1)
        third.owner = "typist"
        XCTAssertThrowsError(try engine.submit(third, onFinish: { _ in }), "beyond its share the typist waits too") {
            XCTAssertEqual($0 as? EngineError, .busy(queued: 6, limit: 4))
        }
        hold.release()
        for index in [0, 1, 2, 3, 10, 11] { XCTAssertNotNil(try outcomes.wait(index)?.get(), "job \(index)") }
        XCTAssertNoThrow(try run(engine, more), "finished jobs free the flooder's places")
    }

    func testJobsSubmittedTogetherPrefillInOneStepAndDecodeInLockstep() throws {
        // Without drafts, so that every step decodes exactly one token per job.
        let (engine, model) = TestEngine.make(promptLookup: nil)
        let outcomes = Outcomes()
        let prompts = (0..<4).map { i in Array((3000 + i * 100)..<(3040 + i * 100)) }
        try engine.submit(prompts.enumerated().map { i, prompt in (generate(prompt, tokens: 6), outcomes.callback(i)) })
        for (i, prompt) in prompts.enumerated() {
            XCTAssertEqual(try outcomes.wait(i)?.get().tokens, model.greedy(prompt, tokens: 6), "job \(i)")
        }
        XCTAssertEqual(engine.statistics.steps, 6, "one step for the prompts and the first tokens, one per token after")
    }

    func testABatchWithAJobThatCannotRunQueuesNone() throws {
        let engine = TestEngine.make(maximumJobs: 2).engine
        let outcomes = Outcomes()
        let withAnEmptyPrompt = [(generate(prompt), outcomes.callback(0)), (generate([]), outcomes.callback(1))]
        XCTAssertThrowsError(try engine.submit(withAnEmptyPrompt)) { XCTAssertEqual($0 as? EngineError, .emptyPrompt) }
        let three = (0..<3).map { (generate(prompt), outcomes.callback(2 + $0)) }
        XCTAssertThrowsError(try engine.submit(three)) { XCTAssertEqual($0 as? EngineError, .busy(queued: 2, limit: 2)) }
        // The refused batches left no job behind: two more fit, and nothing else ever finished.
        try engine.submit([(generate(prompt), outcomes.callback(10)), (generate(prompt), outcomes.callback(11))])
        XCTAssertNotNil(try outcomes.wait(10)?.get())
        XCTAssertNotNil(try outcomes.wait(11)?.get())
        XCTAssertEqual(outcomes.finishOrder.sorted(), [10, 11])
        XCTAssertEqual(engine.statistics.jobsFinished, 2)
    }

    func testANewJobWithTheSameKeySupersedesTheOldOne() throws {
        let engine = TestEngine.make().engine
        let hold = StepHold()
        let outcomes = Outcomes()
        var first = generate(prompt, tokens: 100)
        first.supersedeKey = "file:///a.py"
        first.decode = { _ in "" }
        first.stopText = hold.rule(stop: false)
        var second = generate(prompt + [1], tokens: 4)
        second.supersedeKey = "file:///a.py"
        try engine.submit(first, onFinish: outcomes.callback(0))
        hold.waitUntilHeld()
        try engine.submit(second, onFinish: outcomes.callback(1))
        hold.release()
        guard case .failure(.superseded) = outcomes.wait(0) else { return XCTFail("the first job was not superseded") }
        XCTAssertEqual(try XCTUnwrap(outcomes.wait(1)).get().tokens.count, 4)
    }

    func testOfSeveralArrivalsWithOneKeyDuringAStepOnlyTheNewestIsAdmitted() throws {
        let engine = TestEngine.make().engine
        let outcomes = Outcomes()
        let hold = StepHold()
        try engine.submit(holder(hold), onFinish: outcomes.callback(0))
        hold.waitUntilHeld()
        for index in 1...3 {
            var keystroke = generate(Array(prompt.prefix(50)) + Array(repeating: index, count: index), tokens: 2)
            keystroke.supersedeKey = "file:///b.py"
            try engine.submit(keystroke, onFinish: outcomes.callback(index))
        }
        hold.release()
        guard case .failure(.superseded) = outcomes.wait(1), case .failure(.superseded) = outcomes.wait(2) else {
            return XCTFail("the older keystrokes were not superseded")
        }
        XCTAssertEqual(try XCTUnwrap(outcomes.wait(3)).get().tokens.count, 2)
        _ = outcomes.wait(0)
        // One lookup for the holder and one for the newest keystroke; the older two never reached the cache.
        XCTAssertEqual(engine.statistics.caches[0].statistics.lookups, 2)
    }

    func testKeystrokesQueuedDuringALongStepAreNeverRefusedAsBusy() throws {
        let engine = TestEngine.make().engine
        let outcomes = Outcomes()
        let hold = StepHold()
        try engine.submit(holder(hold), onFinish: outcomes.callback(0))
        hold.waitUntilHeld()
        // Twice the job limit of keystrokes for one document: each makes the one before it moot.
        let count = 2 * Engine.Options().maximumJobs
        for index in 1...count {
            var keystroke = generate(Array(prompt.prefix(40)) + [index], tokens: 1)
            keystroke.supersedeKey = "file:///typed.py"
            XCTAssertNoThrow(try engine.submit(keystroke, onFinish: outcomes.callback(index)), "keystroke \(index)")
        }
        // Unrelated jobs still meet the limit: only the doomed keystrokes are left out of the count.
        for index in 1...Engine.Options().maximumJobs - 2 {
            try engine.submit(generate([index], tokens: 1), onFinish: outcomes.callback(1000 + index))
        }
        XCTAssertThrowsError(try engine.submit(generate([7], tokens: 1), onFinish: { _ in }))
        hold.release()
        guard case .failure(.superseded) = outcomes.wait(1) else { return XCTFail("an old keystroke was not superseded") }
        XCTAssertEqual(try XCTUnwrap(outcomes.wait(count)).get().tokens.count, 1)
        for index in 1...Engine.Options().maximumJobs - 2 { _ = outcomes.wait(1000 + index) }
    }

    func testCancellationInEveryStateReleasesExactlyThatJobsReferences() throws {
        let engine = TestEngine.make().engine
        let outcomes = Outcomes()
        // Decoding: cancelled while its first token is being checked by the stop rule.
        let hold = StepHold()
        var long = generate(prompt, tokens: 100)
        long.decode = { _ in "" }
        long.stopText = hold.rule(stop: false)
        let decodingID = try engine.submit(long, onFinish: outcomes.callback(0))
        hold.waitUntilHeld()
        engine.cancel(decodingID)
        // Queued: cancelled right after submission, while the engine thread is still held.
        let early = try engine.submit(generate(Array(3000..<3200), tokens: 10), onFinish: outcomes.callback(1))
        engine.cancel(early)
        hold.release()
        // Finished: cancelling afterwards changes nothing.
        let finished = try engine.submit(generate(prompt, tokens: 2), onFinish: outcomes.callback(2))
        guard case .success = outcomes.wait(2) else { return XCTFail("the short job failed") }
        engine.cancel(finished)

        guard case .failure(.cancelled) = outcomes.wait(0) else { return XCTFail("decoding job not cancelled") }
        guard case .failure(.cancelled) = outcomes.wait(1) else { return XCTFail("queued job not cancelled") }
        // A job that still runs holds references; once everything is over none remain.
        let probe = try run(engine, generate(prompt, tokens: 1))
        XCTAssertEqual(probe.metrics.reusedTokens, 99, "the cancelled job's prompt blocks should stay cached")
        XCTAssertEqual(engine.statistics.caches[0].statistics.blocksInUse, 0)
        for key in 0..<3 { XCTAssertEqual(outcomes.callCount(key), 1, "job \(key) must be answered exactly once") }
    }

    func testScoringReturnsOutputsOfTheRequestedPositions() throws {
        let (engine, model) = TestEngine.make()
        let continuation = [11, 12, 13]
        let scored = try run(engine, Job(priority: .classify, prompt: prompt + continuation,
                                         scoreLast: continuation.count + 1))
        XCTAssertEqual(scored.scores.count, 4 * model.outputWidth)
        // Row i holds the outputs after the prompt and the first i continuation tokens.
        for i in 0...continuation.count {
            let row = Array(scored.scores[(i * model.outputWidth)..<((i + 1) * model.outputWidth)])
            XCTAssertEqual(row, model.logits(after: prompt + continuation.prefix(i)), "row \(i)")
        }
    }

    func testAFloodOfInteractiveJobsDoesNotStarveASummary() throws {
        let scheduler = Scheduler(tokenBudget: 32, backgroundChunkWhileInteractive: 4, agingSteps: 8)
        let engine = TestEngine.make(blocks: 200, scheduler: scheduler).engine
        let outcomes = Outcomes()
        try engine.submit(generate(Array(5000..<5150), tokens: 4, priority: .summarize), onFinish: outcomes.callback(0))
        for i in 1...40 {
            try engine.submit(generate(Array((i * 40)..<(i * 40 + 30)), tokens: 2), onFinish: outcomes.callback(i))
        }
        XCTAssertNotNil(try outcomes.wait(0)?.get())
        for i in 1...40 { _ = outcomes.wait(i) }
        XCTAssertEqual(engine.statistics.caches[0].statistics.blocksInUse, 0)
    }

    func testTheFirstTokenIsChosenAmongTheAllowedOnly() throws {
        let engine = TestEngine.make().engine
        let free = try run(engine, generate(prompt, tokens: 4)).tokens
        let allowed = [17, 42, 60].filter { $0 != free[0] }
        var healed = generate(prompt, tokens: 4)
        healed.firstTokens = allowed
        let first = try run(engine, healed).tokens[0]
        XCTAssertTrue(allowed.contains(first), "first token \(first) is outside \(allowed)")
    }

    func testAFloodingOwnerCannotStarveAnotherOwnersKeystroke() throws {
        let (engine, model) = TestEngine.make(blocks: 200, scheduler: Scheduler(tokenBudget: 64))
        let hold = StepHold()
        let outcomes = Outcomes()
        var first = holder(hold)
        first.owner = "flood"
        try engine.submit(first, onFinish: outcomes.callback(100))
        hold.waitUntilHeld()
        for i in 1...30 {
            var job = generate(Array((i * 40)..<(i * 40 + 30)), tokens: 4)
            job.owner = "flood"
            try engine.submit(job, onFinish: outcomes.callback(i))
        }
        let keystroke = Array(3000..<3030)
        var job = generate(keystroke, tokens: 4)
        job.owner = "typist"
        try engine.submit(job, onFinish: outcomes.callback(0))
        hold.release()
        XCTAssertEqual(try XCTUnwrap(outcomes.wait(0)).get().tokens, model.greedy(keystroke, tokens: 4))
        for i in 1...30 { _ = outcomes.wait(i) }
        let order = outcomes.finishOrder.filter { $0 != 100 }
        let floodBefore = try XCTUnwrap(order.firstIndex(of: 0))
        XCTAssertLessThanOrEqual(floodBefore, 2, "the keystroke waited behind \(floodBefore) of the flood's jobs: \(order)")
    }
}
