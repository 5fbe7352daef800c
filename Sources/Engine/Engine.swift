import Dispatch
import Foundation

/// Runs jobs on one or more models with continuous batching over a paged, prefix-shared KV cache.
///
/// Jobs are submitted from any thread and run on the engine's own thread (inference blocks; it must not sit on
/// Swift's cooperative pool). Each step is one forward pass per model over every active row: one decode token per
/// generating sequence plus prefill chunks of new ones, chosen by the `Scheduler`. A new prompt first takes every
/// cached block of its longest exact prefix (each model's `BlockPool`), so a keystroke computes only the tokens that
/// changed.
///
/// Threading: `submit`, `cancel`, `statistics` and `shutdown` may be called from any thread. `onFinish` callbacks run
/// on the engine thread, exactly once per job; they must return quickly (hop to your own queue).
public final class Engine: @unchecked Sendable {
    public struct Options: Sendable {
        /// Most jobs waiting or running at once; beyond it `submit` throws `EngineError.busy` to an owner that holds
        /// its fair share of them or more (see `admits`). Speculative jobs count only against all jobs together, and
        /// never towards an owner's share or another job's limit: work computed ahead never makes a real request busy.
        public var maximumJobs = 64
        public var scheduler = Scheduler()
        /// Reuse cached prompt prefixes. Off only to measure what the cache saves.
        public var prefixCaching = true
        /// Drafts for greedy sequences, checked in one step each (see `PromptLookup`); nil decodes one token per
        /// step. Sampled sequences never draft.
        public var promptLookup: PromptLookup? = PromptLookup()
        /// Holds each step to a target time on this host, so a keystroke never waits long behind a prompt's chunk
        /// (see `StepPacer`); nil leaves steps to the scheduler's token counts alone (batch work nobody types into).
        public var pacer: StepPacer? = StepPacer()
        /// How long after a step with a keystroke's work (a warm interactive prompt, or a sequence decoding for a
        /// user) cold prefill stays cut to the pacer's cold limit: others are typing, and their next keystroke may
        /// land during any step. About one gap between a typist's keystrokes: with 8 typists on GPT-2 124M (f32,
        /// AVX2) the keystroke p95 / p50 was 1.8-2.7x with 0.3 s, 2.6-3.5x with the limit only while keystroke work
        /// was in flight. Past it, a document opened while nobody types gets steps of the full target.
        public var typingWindowSeconds = 0.3
        /// Nanoseconds of a monotonic clock, for the pacer's measurements; tests pass a clock their model advances.
        public var clock: @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
        public init() {}
    }

    public typealias Completion = @Sendable (Result<JobResult, EngineError>) -> Void

    /// A submitted job before the engine thread has admitted it.
    struct Submission {
        let id: JobID
        let job: Job
        let submitted: DispatchTime
        let onFinish: Completion
    }

    let models: [StepModel]
    let blockPools: [BlockPool]
    /// The KV memory total the models share, when the engine was given one (read only on the engine thread).
    let cacheBudget: CacheBudget?
    let options: Options

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var incoming: [Submission] = []
    private var cancelled: Set<JobID> = []
    private var jobCount = 0
    /// Live jobs per owner, for fair admission; an owner without jobs has no entry. Speculative jobs are not in it.
    private var jobsByOwner: [String: Int] = [:]
    /// Of `jobCount`, the speculative jobs.
    private var speculativeCount = 0
    private var nextJob = 0
    private var stopping = false
    private var snapshot = EngineStatistics()

    // Engine thread only.
    var sequences: [JobID: SequenceState] = [:]
    var stepNumber = 0
    var totals = EngineStatistics()
    var pacer: StepPacer?
    /// The clock at the last step that had a keystroke's work in it (see `Options.typingWindowSeconds`).
    var lastTyping: UInt64?

    /// An engine over `models`; with `cacheBudgetBytes`, their KV caches share that many bytes in all (each model's
    /// pool must have room for the whole of it), the least recently active model giving memory back first.
    public init(models: [StepModel], options: Options = Options(), cacheBudgetBytes: Int? = nil) {
        precondition(!models.isEmpty, "an engine needs a model")
        self.models = models
        let budget = cacheBudgetBytes.map { CacheBudget(bytes: $0) }
        self.cacheBudget = budget
        self.blockPools = models.map { model in
            let pool = BlockPool(blockSize: model.blockSize, capacity: model.blockCapacity, budget: budget,
                                 bytesPerBlock: model.bytesPerBlock)
            pool.discard = { [unowned model] block in model.discardBlock(block) }
            return pool
        }
        self.options = options
        self.pacer = options.pacer
        // Status shows the caches (and their budget) from the start, before any step.
        publish()
        let thread = Thread { [self] in runLoop() }
        thread.name = "gptls.engine"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues a job. Throws at once when the engine is full or the job can never fit; other failures come
    /// through `onFinish`.
    @discardableResult
    public func submit(_ job: Job, onFinish: @escaping Completion) throws(EngineError) -> JobID {
        try submit([(job, onFinish)])[0]
    }

    /// Queues several jobs at once, so that the engine admits them in the same step: they prefill together and then
    /// decode in lockstep, which is what a measurement of batched decoding needs. Throws, queuing none, when one of
    /// them could not be queued on its own.
    @discardableResult
    public func submit(_ batch: [(job: Job, onFinish: Completion)]) throws(EngineError) -> [JobID] {
        for (job, _) in batch { try check(job) }
        condition.lock()
        defer { condition.unlock() }
        var ids: [JobID] = []
        for (job, onFinish) in batch {
            let speculative = job.priority == .speculative
            let doomed = doomedArrivals(supersededBy: job.supersedeKey, speculativeToo: speculative)
            let live = (speculative ? jobCount : jobCount - speculativeCount) - doomed.count
            let own = jobsByOwner[job.owner, default: 0] - doomed.filter { $0 == job.owner }.count
            guard speculative ? live < options.maximumJobs : admits(live: live, own: own, owner: job.owner) else {
                for _ in ids { countJob(incoming.removeLast().job, by: -1) }
                throw .busy(queued: live, limit: options.maximumJobs)
            }
            nextJob += 1
            countJob(job, by: 1)
            let id = JobID(rawValue: nextJob)
            incoming.append(Submission(id: id, job: job, submitted: .now(), onFinish: onFinish))
            ids.append(id)
        }
        condition.signal()
        return ids
    }

    /// Refuses a job that no amount of waiting would let run.
    private func check(_ job: Job) throws(EngineError) {
        guard models.indices.contains(job.model) else { throw .unknownModel(job.model) }
        guard !job.prompt.isEmpty else { throw .emptyPrompt }
        let model = models[job.model]
        guard job.prompt.count <= model.contextLength else {
            throw .promptTooLong(tokens: job.prompt.count, context: model.contextLength)
        }
        let positions = job.prompt.count + max(0, min(job.maxTokens, model.contextLength - job.prompt.count + 1) - 1)
        let blocksNeeded = (positions + model.blockSize - 1) / model.blockSize
        guard blocksNeeded <= model.blockCapacity else {
            throw .tooLargeForCache(blocksNeeded: blocksNeeded, capacity: model.blockCapacity)
        }
    }

    /// Whether a job of `owner` may join `live` jobs, `own` of them its owner's: below the limit every job may; at
    /// or beyond it only an owner holding less than its fair share (the limit divided among the owners with live
    /// jobs, counting this one), so one client's flood of requests cannot get another client's refused as busy.
    /// Owners below their share can take the total past the limit, at most to about twice it. Caller holds
    /// `condition`.
    private func admits(live: Int, own: Int, owner: String) -> Bool {
        if live < options.maximumJobs { return true }
        let owners = jobsByOwner.filter { $0.value > 0 }.count + (own > 0 ? 0 : 1)
        return own < max(1, options.maximumJobs / owners)
    }

    /// Adds `delta` to the live jobs of the engine and of `job`'s owner (or the speculative ones). Caller holds
    /// `condition`.
    private func countJob(_ job: Job, by delta: Int) {
        jobCount += delta
        if job.priority == .speculative {
            speculativeCount += delta
            return
        }
        let count = jobsByOwner[job.owner, default: 0] + delta
        jobsByOwner[job.owner] = count > 0 ? count : nil
    }

    /// The owners of queued jobs that will end as soon as the engine thread looks at its inbox: cancelled ones, and
    /// those superseded by a newer queued job (or by the one being submitted, with `key`). They do not count towards
    /// `maximumJobs`, so keystrokes that arrive during a long step are never refused as busy. Speculative ones are
    /// listed only with `speculativeToo`. Caller holds `condition`.
    private func doomedArrivals(supersededBy key: String?, speculativeToo: Bool) -> [String] {
        var newest: [String: JobID] = [:]
        for submission in incoming { if let key = submission.job.supersedeKey { newest[key] = submission.id } }
        return incoming.filter { submission in
            guard speculativeToo || submission.job.priority != .speculative else { return false }
            guard !cancelled.contains(submission.id) else { return true }
            guard let own = submission.job.supersedeKey else { return false }
            return own == key || newest[own] != submission.id
        }.map(\.job.owner)
    }

    /// Stops a job at the next step; its callback gets `.cancelled`. Blocks it computed stay cached.
    public func cancel(_ id: JobID) {
        condition.lock()
        cancelled.insert(id)
        condition.signal()
        condition.unlock()
    }

    /// Width of one output row of model `index`: its vocabulary, or a classifier's labels.
    public func outputWidth(ofModel index: Int) -> Int { models[index].outputWidth }

    /// Cache and throughput figures, as of the end of the last step.
    public var statistics: EngineStatistics {
        condition.lock()
        defer { condition.unlock() }
        return snapshot
    }

    /// Finishes every job with `.cancelled` and stops the engine thread.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    // MARK: - The engine thread

    private func runLoop() {
        while true {
            condition.lock()
            while incoming.isEmpty && cancelled.isEmpty && sequences.isEmpty && !stopping {
                condition.wait()
            }
            let arrivals = incoming
            let cancels = cancelled
            let stop = stopping
            incoming.removeAll()
            cancelled.removeAll()
            condition.unlock()

            if stop {
                for submission in arrivals { submission.onFinish(.failure(.cancelled)) }
                for id in Array(sequences.keys) { end(id, .failure(.cancelled)) }
                publish()
                return
            }
            // Of several arrivals with one supersede key (keystrokes that came during a long step) only the newest
            // is admitted: the older ones end as superseded before they cost a cache lookup and a block copy.
            var newest: [String: JobID] = [:]
            for submission in arrivals { if let key = submission.job.supersedeKey { newest[key] = submission.id } }
            for submission in arrivals {
                if cancels.contains(submission.id) {
                    jobDone(submission.job)
                    submission.onFinish(.failure(.cancelled))
                } else if let key = submission.job.supersedeKey, newest[key] != submission.id {
                    jobDone(submission.job)
                    submission.onFinish(.failure(.superseded))
                } else {
                    admit(submission)
                }
            }
            for id in cancels where sequences[id] != nil { end(id, .failure(.cancelled)) }
            if !sequences.isEmpty { step() }
            publish()
        }
    }

    /// Marks `job` as gone from the engine (for the admission limit).
    func jobDone(_ job: Job) {
        condition.lock()
        countJob(job, by: -1)
        condition.unlock()
    }

    /// Makes the current figures visible to `statistics`; called after every step and before every callback.
    func publish() {
        var figures = totals
        figures.activeSequences = sequences.count
        figures.cacheBudgetBytes = cacheBudget?.bytes
        figures.stepTokenLimit = pacer?.tokenLimit
        figures.coldTokenLimit = pacer?.coldTokenLimit
        figures.caches = zip(models, blockPools).map { model, pool in
            CacheFigures(blockSize: model.blockSize, capacity: model.blockCapacity,
                         bytesPerBlock: model.bytesPerBlock, statistics: pool.statistics)
        }
        condition.lock()
        snapshot = figures
        condition.unlock()
    }
}
