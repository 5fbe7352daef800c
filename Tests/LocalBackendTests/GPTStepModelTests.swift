import Foundation
import Model
import ModelFiles
import XCTest
@testable import Engine
@testable import LocalBackend

/// The engine on a real model (a seeded random-weight model with GPT-2's vocabulary): cached, uncached, batched
/// and one-at-a-time runs must give the same tokens and log-probabilities.
final class GPTStepModelTests: XCTestCase {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-step-model-tests-\(getpid())")
        try! RandomModel.write(config: RandomModel.tiny, seed: 7, to: url)
        return url
    }()

    private let prompt = Array(1000..<1100)  // 100 tokens

    /// An engine over the tiny model with a cache of 64 blocks of 16 positions.
    private func makeEngine() throws -> Engine {
        let model = try GPTModel.load(from: Self.directory)
        let bytesPerBlock = 2 * model.config.nLayer * 16 * model.config.nEmbd * 4
        return Engine(models: [GPTStepModel(model: model, cacheBytes: 64 * bytesPerBlock)])
    }

    private func generate(_ prompt: [Int], tokens: Int) -> Job {
        Job(priority: .interactive, prompt: prompt, maxTokens: tokens)
    }

    private func run(_ engine: Engine, _ job: Job) throws -> JobResult {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<JobResult, EngineError>?
        try engine.submit(job) { outcome = $0; done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        return try XCTUnwrap(outcome).get()
    }

    func testCachedAndUncachedRunsGiveIdenticalTokens() throws {
        let cold = try run(try makeEngine(), generate(prompt + [5, 6, 7], tokens: 16))
        let engine = try makeEngine()
        _ = try run(engine, generate(prompt, tokens: 8))
        let warm = try run(engine, generate(prompt + [5, 6, 7], tokens: 16))
        XCTAssertEqual(warm.metrics.computedTokens, 3)
        XCTAssertEqual(warm.tokens, cold.tokens)
        XCTAssertEqual(warm.logprobs.count, 16)
        for (a, b) in zip(warm.logprobs, cold.logprobs) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    func testBatchedAndOneAtATimeRunsGiveIdenticalGreedyTokens() throws {
        let prompts = (0..<6).map { i in Array((2000 + i * 50)..<(2000 + i * 50 + 20 + i * 7)) }
        let alone = try prompts.map { try run(try makeEngine(), generate($0, tokens: 12)).tokens }
        let engine = try makeEngine()
        let group = DispatchGroup()
        let lock = NSLock()
        nonisolated(unsafe) var together: [Int: [Int]] = [:]
        for (i, prompt) in prompts.enumerated() {
            group.enter()
            try engine.submit(generate(prompt, tokens: 12)) { outcome in
                lock.lock()
                together[i] = try? outcome.get().tokens
                lock.unlock()
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        for i in prompts.indices { XCTAssertEqual(together[i], alone[i], "prompt \(i)") }
        XCTAssertLessThan(engine.statistics.steps, prompts.count * 12, "the jobs were not batched")
    }

    func testScoredPositionsAgreeWithGeneration() throws {
        let continuation = [11, 12, 13]
        let scored = try run(try makeEngine(), Job(priority: .classify, prompt: prompt + continuation,
                                               scoreLast: continuation.count + 1))
        XCTAssertEqual(scored.scores.count, 4 * 50257)
        let next = try run(try makeEngine(), generate(prompt, tokens: 1))
        XCTAssertEqual(Sampler.argmax(Array(scored.scores[0..<50257])), next.tokens[0])
    }
}
