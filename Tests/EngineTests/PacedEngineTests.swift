import Foundation
import XCTest
@testable import Engine

/// A clock that moves only when the test's model says a step took time.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var nanoseconds: UInt64 = 1

    var now: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return nanoseconds
    }

    func advance(seconds: Double) {
        lock.lock()
        nanoseconds += UInt64(seconds * 1e9)
        lock.unlock()
    }
}

/// The engine measures its steps with its clock and holds prompts' chunks to what the host computes in the target
/// time: here a scripted model that "takes" 5 ms a step and 1 ms a token, so 45 tokens make a 50 ms step.
final class PacedEngineTests: XCTestCase {
    private func pacedEngine(clock: ManualClock, stepSeconds: Double = 0.005,
                             tokenSeconds: Double = 0.001) -> (Engine, ScriptedStepModel) {
        let model = ScriptedStepModel(contextLength: 1024, blocks: 80)
        model.onForward = { tokens in clock.advance(seconds: stepSeconds + tokenSeconds * Double(tokens)) }
        let pacer = StepPacer(targetSeconds: 0.05, seedTokensPerSecond: 160, minimumTokens: 8)
        let (engine, _) = TestEngine.make(model: model, pacer: pacer, clock: { clock.now })
        return (engine, model)
    }

    private func run(_ engine: Engine, _ job: Job) throws -> JobResult {
        let outcomes = Outcomes()
        try engine.submit(job, onFinish: outcomes.callback(0))
        return try XCTUnwrap(outcomes.wait(0)).get()
    }

    func testALongPromptIsCutIntoStepsOfTheTargetTimeOnceTheEngineHasMeasuredItsHost() throws {
        let clock = ManualClock()
        let (engine, model) = pacedEngine(clock: clock)
        let job = Job(priority: .interactive, prompt: Array(0..<800).map { $0 % 61 }, maxTokens: 4)
        let paced = try run(engine, job)
        let limit = try XCTUnwrap(engine.statistics.stepTokenLimit)
        XCTAssertTrue((40...45).contains(limit), "limit \(limit) is not about 50 ms of this host")
        XCTAssertLessThanOrEqual(model.largestStep, 45, "a step ran past the target")
        XCTAssertGreaterThanOrEqual(model.largestStep, 40, "the engine never learned the host's speed")
        // Cutting the prompt by time changes nothing in what it computes.
        let (whole, _) = TestEngine.make(scheduler: Scheduler(tokenBudget: 1024),
                                         model: ScriptedStepModel(contextLength: 1024, blocks: 80))
        let unpaced = try run(whole, job)
        XCTAssertEqual(paced.tokens, unpaced.tokens)
        XCTAssertEqual(paced.logprobs, unpaced.logprobs)
    }

    func testTheEngineLearnsHowManyColdTokensCostHalfAPlainStep() throws {
        // 20 ms a step and 0.5 ms a token: 60-token steps last the 50 ms target (1,200 tokens/s), and a decode step
        // of one token lasts 20.5 ms, so about 12 cold tokens cost half a plain step.
        let clock = ManualClock()
        let (engine, _) = pacedEngine(clock: clock, stepSeconds: 0.020, tokenSeconds: 0.0005)
        XCTAssertNil(engine.statistics.coldTokenLimit)
        _ = try run(engine, Job(priority: .interactive, prompt: Array(0..<600).map { $0 % 61 }, maxTokens: 8))
        let limit = try XCTUnwrap(engine.statistics.coldTokenLimit, "no plain step measured")
        XCTAssertTrue((10...14).contains(limit), "cold limit \(limit) is not half a plain step of this host")
    }

    func testADocumentOpenedJustAfterAKeystrokeGetsColdChunksAndOneOpenedLaterFullSteps() throws {
        let clock = ManualClock()
        let (engine, model) = pacedEngine(clock: clock, stepSeconds: 0.020, tokenSeconds: 0.0005)
        _ = try run(engine, Job(priority: .interactive, prompt: Array(0..<600).map { $0 % 61 }, maxTokens: 8))
        let coldLimit = try XCTUnwrap(engine.statistics.coldTokenLimit)
        let fullLimit = try XCTUnwrap(engine.statistics.stepTokenLimit)
        XCTAssertGreaterThan(fullLimit, coldLimit + 8)

        // The last decode step was a moment ago: someone is typing, so the opened document comes in cold chunks.
        var before = model.steps.count
        _ = try run(engine, Job(priority: .interactive, prompt: Array(0..<200).map { $0 % 59 }, maxTokens: 1))
        XCTAssertEqual(model.steps[before], coldLimit, "steps: \(model.steps[before...])")

        // A second later nobody has typed: the next document gets steps of the full target.
        clock.advance(seconds: 1)
        before = model.steps.count
        _ = try run(engine, Job(priority: .interactive, prompt: Array(0..<200).map { $0 % 53 }, maxTokens: 1))
        XCTAssertGreaterThan(model.steps[before], coldLimit + 8, "steps: \(model.steps[before...])")
    }

    func testAnEngineWithoutAPacerKeepsTheSchedulersTokenBudget() throws {
        let (engine, model) = TestEngine.make(model: ScriptedStepModel(contextLength: 1024, blocks: 80))
        _ = try run(engine, Job(priority: .interactive, prompt: Array(0..<300).map { $0 % 61 }, maxTokens: 1))
        XCTAssertEqual(model.largestStep, Scheduler().tokenBudget)
        XCTAssertNil(engine.statistics.stepTokenLimit)
    }
}
