import Dispatch
import GPT
import XCTest
@testable import Engine

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

    func testAppendingOneTokenToACachedPromptComputesOnlyThatToken() throws {
        let engine = try TestModel.engine()
        let first = try run(engine, generate(prompt))
        XCTAssertEqual(first.metrics.computedTokens, 100)
        let second = try run(engine, generate(prompt + [42]))
        XCTAssertEqual(second.metrics.reusedTokens, 100)
        XCTAssertEqual(second.metrics.computedTokens, 1)
    }

    func testAnEditInTheMiddleRecomputesFromTheFirstChangedToken() throws {
        let engine = try TestModel.engine()
        _ = try run(engine, generate(prompt))
        var edited = prompt
        edited[37] = 7
        let result = try run(engine, generate(edited))
        XCTAssertEqual(result.metrics.reusedTokens, 37)
        XCTAssertEqual(result.metrics.computedTokens, 63)
    }

    func testCachedAndUncachedRunsGiveIdenticalTokens() throws {
        let cold = try run(try TestModel.engine(), generate(prompt + [5, 6, 7], tokens: 16))
        let engine = try TestModel.engine()
        _ = try run(engine, generate(prompt))
        let warm = try run(engine, generate(prompt + [5, 6, 7], tokens: 16))
        XCTAssertEqual(warm.metrics.computedTokens, 3)
        XCTAssertEqual(warm.tokens, cold.tokens)
        XCTAssertEqual(warm.logprobs.count, 16)
        for (a, b) in zip(warm.logprobs, cold.logprobs) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    func testBatchedAndOneAtATimeRunsGiveIdenticalGreedyTokens() throws {
        let prompts = (0..<6).map { i in Array((2000 + i * 50)..<(2000 + i * 50 + 20 + i * 7)) }
        let alone = try prompts.map { try run(try TestModel.engine(), generate($0, tokens: 12)).tokens }
        let engine = try TestModel.engine()
        let outcomes = Outcomes()
        for (i, prompt) in prompts.enumerated() {
            try engine.submit(generate(prompt, tokens: 12), onFinish: outcomes.callback(i))
        }
        for i in prompts.indices {
            XCTAssertEqual(try XCTUnwrap(outcomes.wait(i)).get().tokens, alone[i], "prompt \(i)")
        }
        XCTAssertLessThan(engine.statistics.steps, prompts.count * 12, "the jobs were not batched")
    }

    func testEvictionKeepsTheCacheWithinItsBudget() throws {
        let engine = try TestModel.engine(blocks: 12)
        for i in 0..<10 {
            _ = try run(engine, generate(Array((i * 100)..<(i * 100 + 60)), tokens: 4))
            let cache = engine.statistics.caches[0]
            XCTAssertLessThanOrEqual(cache.statistics.blocksHeld, 12)
        }
        XCTAssertGreaterThan(engine.statistics.caches[0].statistics.evictions, 0)
        XCTAssertEqual(engine.statistics.caches[0].statistics.blocksInUse, 0)
    }

    func testARequestLargerThanTheCacheIsRefusedUpFront() throws {
        let engine = try TestModel.engine(blocks: 2)
        XCTAssertThrowsError(try engine.submit(generate(prompt), onFinish: { _ in })) { error in
            XCTAssertEqual(error as? EngineError, .tooLargeForCache(blocksNeeded: 7, capacity: 2))
        }
    }

    func testAPromptLongerThanTheContextIsRefused() throws {
        let engine = try TestModel.engine()
        XCTAssertThrowsError(try engine.submit(generate(Array(repeating: 1, count: 300)), onFinish: { _ in })) { error in
            XCTAssertEqual(error as? EngineError, .promptTooLong(tokens: 300, context: 256))
        }
    }

    func testAdmissionIsBoundedAndSaysBusy() throws {
        let model = try TestModel.load()
        var options = Engine.Options()
        options.maximumJobs = 2
        let engine = Engine(models: [GPTStepModel(model: model, cacheBytes: 1 << 22)], options: options)
        let outcomes = Outcomes()
        try engine.submit(generate(prompt, tokens: 50), onFinish: outcomes.callback(0))
        try engine.submit(generate(prompt, tokens: 50), onFinish: outcomes.callback(1))
        XCTAssertThrowsError(try engine.submit(generate(prompt), onFinish: { _ in })) { error in
            XCTAssertEqual(error as? EngineError, .busy(queued: 2, limit: 2))
        }
        _ = outcomes.wait(0)
        _ = outcomes.wait(1)
    }

    func testANewJobWithTheSameKeySupersedesTheOldOne() throws {
        let engine = try TestModel.engine()
        let outcomes = Outcomes()
        var first = generate(prompt, tokens: 200)
        first.supersedeKey = "file:///a.py"
        var second = generate(prompt + [1], tokens: 4)
        second.supersedeKey = "file:///a.py"
        try engine.submit(first, onFinish: outcomes.callback(0))
        try engine.submit(second, onFinish: outcomes.callback(1))
        guard case .failure(.superseded) = outcomes.wait(0) else { return XCTFail("the first job was not superseded") }
        XCTAssertEqual(try XCTUnwrap(outcomes.wait(1)).get().tokens.count, 4)
    }

    func testCancellationInEveryStateReleasesExactlyThatJobsReferences() throws {
        let engine = try TestModel.engine()
        let outcomes = Outcomes()
        // Decoding: cancelled once its first token shows up through the stop rule.
        let decoding = DispatchSemaphore(value: 0)
        var long = generate(prompt, tokens: 200)
        long.decode = { _ in "" }
        long.stopText = { _ in decoding.signal(); return false }
        let decodingID = try engine.submit(long, onFinish: outcomes.callback(0))
        decoding.wait()
        engine.cancel(decodingID)
        // Queued or prefilling: cancelled right after submission.
        let early = try engine.submit(generate(Array(3000..<3200), tokens: 10), onFinish: outcomes.callback(1))
        engine.cancel(early)
        // Finished: cancelling afterwards changes nothing.
        let finished = try engine.submit(generate(prompt, tokens: 2), onFinish: outcomes.callback(2))
        guard case .success = outcomes.wait(2) else { return XCTFail("the short job failed") }
        engine.cancel(finished)

        guard case .failure(.cancelled) = outcomes.wait(0) else { return XCTFail("decoding job not cancelled") }
        XCTAssertNotNil(outcomes.wait(1))
        // A job that still runs holds references; once everything is over none remain.
        let probe = try run(engine, generate(prompt, tokens: 1))
        XCTAssertEqual(probe.metrics.reusedTokens, 99, "the cancelled job's prompt blocks should stay cached")
        XCTAssertEqual(engine.statistics.caches[0].statistics.blocksInUse, 0)
        for key in 0..<3 { XCTAssertEqual(outcomes.callCount(key), 1, "job \(key) must be answered exactly once") }
    }

    func testScoringReturnsOutputsOfTheRequestedPositions() throws {
        let engine = try TestModel.engine()
        let continuation = [11, 12, 13]
        let scored = try run(engine, Job(priority: .classify, prompt: prompt + continuation,
                                         scoreLast: continuation.count + 1))
        XCTAssertEqual(scored.scores.count, 4 * 50257)
        // The same logits come from generating after each prefix.
        let next = try run(try TestModel.engine(), generate(prompt, tokens: 1))
        let firstRow = Array(scored.scores[0..<50257])
        XCTAssertEqual(Sampler.argmax(firstRow), next.tokens[0])
    }

    func testAFloodOfInteractiveJobsDoesNotStarveASummary() throws {
        let engine = try TestModel.engine(blocks: 200, planner: StepPlanner(tokenBudget: 32,
                                                                              backgroundChunkWhileInteractive: 4,
                                                                              agingSteps: 8))
        let outcomes = Outcomes()
        try engine.submit(generate(Array(5000..<5150), tokens: 4, priority: .summarize), onFinish: outcomes.callback(0))
        for i in 1...40 {
            try engine.submit(generate(Array((i * 40)..<(i * 40 + 30)), tokens: 2), onFinish: outcomes.callback(i))
        }
        XCTAssertNotNil(try outcomes.wait(0)?.get())
        for i in 1...40 { _ = outcomes.wait(i) }
        XCTAssertEqual(engine.statistics.caches[0].statistics.blocksInUse, 0)
    }
}
