/// What a backend reports for `gptls/status`: work done so far and the state of its caches.
public struct BackendStatus: Equatable, Sendable {
    /// Forward passes (steps) run.
    public var steps: Int
    /// Model jobs finished; a task may take several (a long summary's parts, a classification's labels).
    public var jobsFinished: Int
    /// Sequences being computed now.
    public var activeSequences: Int
    public var promptTokensComputed: Int
    public var promptTokensReused: Int
    public var tokensGenerated: Int
    /// One entry per model with a KV cache.
    public var caches: [CacheStatus]

    public init(steps: Int = 0, jobsFinished: Int = 0, activeSequences: Int = 0, promptTokensComputed: Int = 0,
                promptTokensReused: Int = 0, tokensGenerated: Int = 0, caches: [CacheStatus] = []) {
        self.steps = steps
        self.jobsFinished = jobsFinished
        self.activeSequences = activeSequences
        self.promptTokensComputed = promptTokensComputed
        self.promptTokensReused = promptTokensReused
        self.tokensGenerated = tokensGenerated
        self.caches = caches
    }
}

/// The KV cache of one model.
public struct CacheStatus: Equatable, Sendable {
    /// Positions per block.
    public var blockSize: Int
    public var capacityBlocks: Int
    /// Blocks referenced by a sequence or kept for reuse.
    public var blocksHeld: Int
    public var blocksInUse: Int
    public var blocksCached: Int
    public var bytesUsed: Int
    /// Share of looked-up prompt tokens that came from the cache.
    public var hitRate: Double
    public var evictions: Int

    public init(blockSize: Int, capacityBlocks: Int, blocksHeld: Int, blocksInUse: Int, blocksCached: Int,
                bytesUsed: Int, hitRate: Double, evictions: Int) {
        self.blockSize = blockSize
        self.capacityBlocks = capacityBlocks
        self.blocksHeld = blocksHeld
        self.blocksInUse = blocksInUse
        self.blocksCached = blocksCached
        self.bytesUsed = bytesUsed
        self.hitRate = hitRate
        self.evictions = evictions
    }
}
