/// The KV cache of one model.
public struct CacheFigures: Equatable, Sendable {
    public var blockSize: Int
    public var capacity: Int
    public var bytesPerBlock: Int
    public var statistics: BlockPool.Statistics

    /// Bytes held by blocks that are referenced or cached.
    public var bytesUsed: Int { statistics.blocksHeld * bytesPerBlock }
    /// Bytes of blocks written and not given back: the memory the cache holds.
    public var bytesResident: Int { statistics.blocksResident * bytesPerBlock }

    /// Share of looked-up prompt tokens that came from the cache.
    public var hitRate: Double {
        statistics.tokensLookedUp == 0 ? 0 : Double(statistics.tokensReused) / Double(statistics.tokensLookedUp)
    }
}

/// Engine-wide figures, for `gptls/status` and benchmarks.
public struct EngineStatistics: Equatable, Sendable {
    public var steps = 0
    public var jobsFinished = 0
    public var promptTokensComputed = 0
    public var promptTokensReused = 0
    public var tokensGenerated = 0
    /// Tokens proposed by prompt lookup and checked by the model.
    public var draftedTokens = 0
    /// Of `draftedTokens`, those greedy decoding produced too (kept without a step of their own).
    public var acceptedDraftTokens = 0
    public var activeSequences = 0
    /// The most tokens the next step may carry to stay within the pacer's target time; nil without a pacer.
    public var stepTokenLimit: Int?
    /// The most cold prompt tokens a step may carry beside a keystroke (the pacer's `coldTokenLimit`); nil until the
    /// pacer has measured a plain step and a full one, and without a pacer.
    public var coldTokenLimit: Int?
    /// The KV memory total the models share, if the engine has one.
    public var cacheBudgetBytes: Int?
    /// One entry per model, in the engine's model order.
    public var caches: [CacheFigures] = []
}
