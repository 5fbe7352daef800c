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
    private func pacedEngine(clock: ManualClock) -> (Engine, ScriptedStepModel) {
        let model = ScriptedStepModel(contextLength: 1024, blocks: 80)
        model.onForward = { tokens in clock.advance(seconds: 0.005 + 0.001 * Double(tokens)) }
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

    func testAnEngineWithoutAPacerKeepsTheSchedulersTokenBudget() throws {
        let (engine, model) = TestEngine.make(model: ScriptedStepModel(contextLength: 1024, blocks: 80))
        _ = try run(engine, Job(priority: .interactive, prompt: Array(0..<300).map { $0 % 61 }, maxTokens: 1))
        XCTAssertEqual(model.largestStep, Scheduler().tokenBudget)
        XCTAssertNil(engine.statistics.stepTokenLimit)
    }
}
