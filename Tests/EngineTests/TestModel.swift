import Foundation
import GPT
@testable import Engine

/// A seeded random-weight model with GPT-2's vocabulary, written once per test run to a temporary directory.
enum TestModel {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-engine-tests-\(getpid())")
        try! RandomModel.write(config: RandomModel.tiny, seed: 7, to: url)
        return url
    }()

    static func load() throws -> GPTModel { try GPTModel.load(from: directory) }

    /// An engine over one tiny model with a cache of `blocks` blocks of 16 positions.
    static func engine(blocks: Int = 64, planner: StepPlanner = StepPlanner()) throws -> Engine {
        let model = try load()
        let bytesPerBlock = 2 * model.config.nLayer * 16 * model.config.nEmbd * 4
        var options = Engine.Options()
        options.planner = planner
        return Engine(models: [GPTStepModel(model: model, cacheBytes: blocks * bytesPerBlock)], options: options)
    }
}

/// Waits for engine callbacks.
final class Outcomes: @unchecked Sendable {
    private let lock = NSCondition()
    private var results: [Int: Result<JobResult, EngineError>] = [:]
    private var calls: [Int: Int] = [:]

    func callback(_ key: Int) -> Engine.Completion {
        { outcome in
            self.lock.lock()
            self.results[key] = outcome
            self.calls[key, default: 0] += 1
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

    func callCount(_ key: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return calls[key] ?? 0
    }
}
