import Engine
import Foundation
import Model

/// One model in an engine of its own, with calls that wait for their results: how the command-line tools and tests
/// generate from a prompt or read the outputs of its positions, through the engine (scheduler, KV blocks, sampler)
/// that serves the editor.
///
/// Two settings differ from the server's engine: a step takes every runnable token, so a prompt is computed in one
/// forward pass; and no prompt reuses another's cached blocks, so every call computes its whole prompt. A benchmark's
/// figures and a test's numbers are then those of the model, not of what an earlier call left in the cache.
///
/// Threading: each call blocks its thread until its jobs end; calls may come from any thread.
public final class OfflineEngine {
    public let model: GPTModel
    private let engine: Engine

    /// An engine over `model` whose keys and values live in `pool` (made for this model); by default one context's
    /// worth of blocks of 16 positions, in the model's own KV format (bf16 with bf16 or int8 weights). Greedy jobs
    /// draft with `promptLookup` as the server's do; nil decodes one token per step (a benchmark of plain decoding).
    public init(model: GPTModel, pool: KVBlockPool? = nil, promptLookup: PromptLookup? = PromptLookup()) {
        self.model = model
        let pool = pool ?? KVBlockPool(for: model, blockSize: 16, capacityBlocks: model.config.nPositions / 16 + 1)
        var options = Engine.Options()
        options.scheduler = Scheduler(tokenBudget: .max)
        options.pacer = nil
        options.prefixCaching = false
        options.promptLookup = promptLookup
        engine = Engine(models: [GPTStepModel(model: model, pool: pool)], options: options)
    }

    deinit { engine.shutdown() }

    /// Runs jobs together and returns their results in order. They are admitted in one step: their prompts are
    /// computed in one forward pass, then each step decodes one token of every job still generating.
    public func run(_ jobs: [Job]) -> [Result<JobResult, EngineError>] {
        let results = ResultBox(count: jobs.count)
        do {
            try engine.submit(jobs.enumerated().map { index, job in (job, { results.record($0, at: index) }) })
        } catch {
            return jobs.map { _ in .failure(error) }
        }
        return results.waitForAll()
    }

    public func run(_ job: Job) throws(EngineError) -> JobResult {
        try run([job])[0].get()
    }

    /// A continuation of `prompt`: up to `maxTokens` tokens picked by `sampler`, ending before any of `stopTokens`.
    public func generate(_ prompt: [Int], maxTokens: Int, sampler: Sampler = Sampler(),
                         stopTokens: Set<Int> = []) throws(EngineError) -> JobResult {
        try run(Job(priority: .interactive, prompt: prompt, maxTokens: maxTokens, sampler: sampler,
                    stopTokens: stopTokens))
    }

    /// The outputs of the prompt's last `positions` positions, oldest first, each `[outputWidth]`: the next-token
    /// logits, or a classifier's label logits.
    public func outputs(_ prompt: [Int], positions: Int = 1) throws(EngineError) -> [[Float]] {
        let scores = try run(Job(priority: .interactive, prompt: prompt, scoreLast: positions)).scores
        let width = model.outputWidth
        return stride(from: 0, to: scores.count, by: width).map { Array(scores[$0..<$0 + width]) }
    }
}

/// The results of a batch of jobs, filled in by the engine thread and waited for by the caller.
private final class ResultBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Result<JobResult, EngineError>?]

    init(count: Int) {
        results = Array(repeating: nil, count: count)
    }

    func record(_ result: Result<JobResult, EngineError>, at index: Int) {
        condition.lock()
        results[index] = result
        condition.broadcast()
        condition.unlock()
    }

    func waitForAll() -> [Result<JobResult, EngineError>] {
        condition.lock()
        defer { condition.unlock() }
        while results.contains(where: { $0 == nil }) { condition.wait() }
        return results.map { $0! }
    }
}
