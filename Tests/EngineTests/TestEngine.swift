import Dispatch
import Foundation
@testable import Engine

/// Engines over scripted models, for the scheduling tests.
enum TestEngine {
    /// An engine over one scripted model with a cache of `blocks` blocks of 16 positions.
    /// No pacer unless one is given: the scheduling tests count steps and tokens, which a pacer would make depend
    /// on the host's speed.
    static func make(blocks: Int = 64, scheduler: Scheduler = Scheduler(), maximumJobs: Int? = nil,
                     model: ScriptedStepModel? = nil, promptLookup: PromptLookup? = PromptLookup(),
                     pacer: StepPacer? = nil,
                     clock: (@Sendable () -> UInt64)? = nil) -> (engine: Engine, model: ScriptedStepModel) {
        let model = model ?? ScriptedStepModel(blocks: blocks)
        var options = Engine.Options()
        options.promptLookup = promptLookup
        options.scheduler = scheduler
        options.pacer = pacer
        if let clock { options.clock = clock }
        if let maximumJobs { options.maximumJobs = maximumJobs }
        return (Engine(models: [model], options: options), model)
    }
}

/// A stop rule that holds the engine thread inside its first step until released: lets a test submit work while
/// the engine is busy, deterministically, however fast the model is.
final class StepHold: @unchecked Sendable {
    private let entered = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)
    private var held = false  // engine thread only

    /// For `Job.stopText`: blocks the first time, then lets generation go on (`stop` decides whether it ends).
    func rule(stop: Bool) -> @Sendable (String) -> Bool {
        { _ in
            if !self.held {
                self.held = true
                self.entered.signal()
                self.released.wait()
            }
            return stop
        }
    }

    func waitUntilHeld() { entered.wait() }
    func release() { released.signal() }
}

/// Waits for engine callbacks.
final class Outcomes: @unchecked Sendable {
    private let lock = NSCondition()
    private var results: [Int: Result<JobResult, EngineError>] = [:]
    private var calls: [Int: Int] = [:]
    private var order: [Int] = []

    func callback(_ key: Int) -> Engine.Completion {
        { outcome in
            self.lock.lock()
            self.results[key] = outcome
            self.calls[key, default: 0] += 1
            self.order.append(key)
            self.lock.broadcast()
            self.lock.unlock()
        }
    }

    func wait(_ key: Int, timeout: Double = 60) -> Result<JobResult, EngineError>? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while results[key] == nil && lock.wait(until: deadline) {}
        return results[key]
    }

    /// Keys in the order their callbacks came.
    var finishOrder: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return order
    }

    func callCount(_ key: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return calls[key] ?? 0
    }
}
