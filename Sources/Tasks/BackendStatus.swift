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
    /// The KV memory total the models' caches share, when they share one.
    public var cacheBudgetBytes: Int?
    /// One entry per serving engine the tasks are sent to.
    public var endpoints: [EndpointStatus]

    public init(steps: Int = 0, jobsFinished: Int = 0, activeSequences: Int = 0, promptTokensComputed: Int = 0,
                promptTokensReused: Int = 0, tokensGenerated: Int = 0, caches: [CacheStatus] = [],
                endpoints: [EndpointStatus] = [], cacheBudgetBytes: Int? = nil) {
        self.steps = steps
        self.jobsFinished = jobsFinished
        self.activeSequences = activeSequences
        self.promptTokensComputed = promptTokensComputed
        self.promptTokensReused = promptTokensReused
        self.tokensGenerated = tokensGenerated
        self.caches = caches
        self.endpoints = endpoints
        self.cacheBudgetBytes = cacheBudgetBytes
    }
}

/// A serving engine as the remote backend has seen it: healthy until a request fails, again after one succeeds.
public struct EndpointStatus: Equatable, Sendable {
    public var url: String
    public var model: String
    public var healthy: Bool
    public var requests: Int
    public var failures: Int
    /// Why the last failed request failed, as a sentence.
    public var lastError: String?

    public init(url: String, model: String, healthy: Bool = true, requests: Int = 0, failures: Int = 0,
                lastError: String? = nil) {
        self.url = url
        self.model = model
        self.healthy = healthy
        self.requests = requests
        self.failures = failures
        self.lastError = lastError
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
    /// Blocks written and not given back to the shared budget, and their bytes: the memory the cache holds.
    public var blocksResident: Int
    public var bytesResident: Int
    /// Bytes of the model's parameters.
    public var weightBytes: Int
    /// How its matrices are held ("f32", "bf16", "int8"): the setting, or what its file called for by default.
    public var weightFormat: String?

    public init(blockSize: Int, capacityBlocks: Int, blocksHeld: Int, blocksInUse: Int, blocksCached: Int,
                bytesUsed: Int, hitRate: Double, evictions: Int, blocksResident: Int = 0, bytesResident: Int = 0,
                weightBytes: Int = 0, weightFormat: String? = nil) {
        self.blockSize = blockSize
        self.capacityBlocks = capacityBlocks
        self.blocksHeld = blocksHeld
        self.blocksInUse = blocksInUse
        self.blocksCached = blocksCached
        self.bytesUsed = bytesUsed
        self.hitRate = hitRate
        self.evictions = evictions
        self.blocksResident = blocksResident
        self.bytesResident = bytesResident
        self.weightBytes = weightBytes
        self.weightFormat = weightFormat
    }
}
