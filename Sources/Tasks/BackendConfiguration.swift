import Foundation

/// Which models serve the tasks and how: what the user's settings ask of a backend.
///
/// Two configurations that compare equal are served by the same backend, so a settings change that leaves this
/// unchanged keeps the loaded models and their caches.
public struct BackendConfiguration: Hashable, Sendable {
    /// Model per task: a model directory (a manifest, a Hugging Face directory) or a weights file; a task not
    /// named here runs the bundled model.
    public var models: [TaskKind: String]
    /// KV cache budget of all the models together, in MiB; nil for one scaled to the models (see
    /// `defaultCacheBudgetBytes`).
    public var cacheBudgetMB: Int?
    /// Reuse cached prompt prefixes (off only to measure what the cache saves).
    public var prefixCaching: Bool
    /// Draft greedy sequences' next tokens from their own earlier tokens and check them in one step (output is the
    /// same either way; off only to measure what drafting saves).
    public var promptLookup: Bool
    /// The time, in milliseconds, one engine step of prompt computation should take at most, so a keystroke never
    /// waits long behind another document's prompt (see `StepPacer`); 0 cuts prompts by token count alone.
    public var stepMs: Double
    /// How the models' matrices are held; nil for each model's own default (int8 for a file of quantized blocks,
    /// bf16 otherwise: `ModelFile.defaultWeightFormat`).
    public var weights: WeightPrecision?
    /// Threads each step of a model may use; nil for the CPUs this process may use. One count per process.
    public var threads: Int?
    /// A serving engine for every task instead of models in this process (manifest task entries may also name
    /// one per task).
    public var endpoint: EndpointConfiguration?
    /// The rule for manifests the models' paths name, when some of the paths came from the editor's settings; nil
    /// when every path is the user's own.
    public var endpointPolicy: EndpointPolicy?
    /// The most memory the process may hold; the KV budget is cut to what fits beside the weights under it.
    public var memoryLimit: MemoryLimit?

    public init(models: [TaskKind: String] = [:], cacheBudgetMB: Int? = nil, prefixCaching: Bool = true,
                promptLookup: Bool = true, stepMs: Double = BackendConfiguration.defaultStepMs,
                weights: WeightPrecision? = .f32, threads: Int? = nil,
                endpoint: EndpointConfiguration? = nil,
                endpointPolicy: EndpointPolicy? = nil, memoryLimit: MemoryLimit? = nil) {
        self.models = models
        self.cacheBudgetMB = cacheBudgetMB
        self.prefixCaching = prefixCaching
        self.promptLookup = promptLookup
        self.stepMs = stepMs
        self.weights = weights
        self.threads = threads
        self.endpoint = endpoint
        self.endpointPolicy = endpointPolicy
        self.memoryLimit = memoryLimit
    }
}

extension BackendConfiguration {
    /// The step time a server aims for unless told otherwise, in milliseconds. 100 rather than 50: on a Zen 4 host
    /// (GPT-2 124M f32, 8 cold typists) 50 ms steps left the keystroke tail where it was and made a cold document's
    /// first token 5-40% slower, while 100 ms keeps that host's chunks near the 256 tokens it computes in that time
    /// and still bounds the wait on a host three times slower (docs/benchmarks/journal.md).
    public static let defaultStepMs = 100.0

    /// The KV budget when the settings name none: half the bytes of the models' matrices, at least 64 MiB. GPT-2
    /// 124M in f32 (about 500 MB) gets about 240 MiB, some 13 prompts of 256 tokens; a small bundled model gets
    /// 64 MiB instead of a budget many times its own size.
    public static func defaultCacheBudgetBytes(weightBytes: Int) -> Int {
        max(64 << 20, weightBytes / 2)
    }

    /// The KV budget in effect: the setting's, else the default, and never more than half of this machine's memory.
    /// Any client may send the setting (up to 64 GiB); a cache that grew past the memory would get the whole server
    /// killed by the system instead of refusing requests it cannot hold.
    public func cacheBudgetBytes(weightBytes: Int,
                                 physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) -> Int {
        let asked = cacheBudgetMB.map { max(1, $0) << 20 } ?? Self.defaultCacheBudgetBytes(weightBytes: weightBytes)
        return min(asked, Int(clamping: physicalMemory / 2))
    }

    /// The smallest KV budget worth loading models for: a few prompts of one context.
    public static let minimumCacheBudgetBytes = 8 << 20

    /// The KV budget in effect under `memoryLimit`: `cacheBudgetBytes(weightBytes:)`, cut to what is left beside
    /// `residentBytes` (the process with the new weights loaded) and the limit's headroom. Throws when less than
    /// `minimumCacheBudgetBytes` is left: the models must not be served then.
    public func cacheBudgetBytes(weightBytes: Int, residentBytes: Int,
                                 physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) throws -> Int {
        let asked = cacheBudgetBytes(weightBytes: weightBytes, physicalMemory: physicalMemory)
        guard let memoryLimit else { return asked }
        let left = memoryLimit.bytes - memoryLimit.headroomBytes - residentBytes
        guard left >= Self.minimumCacheBudgetBytes else {
            throw ModelLoadingError.memoryLimit(what: "the KV cache of these models",
                                                neededBytes: Self.minimumCacheBudgetBytes + memoryLimit.headroomBytes,
                                                availableBytes: memoryLimit.bytes - residentBytes, limit: memoryLimit)
        }
        return min(asked, left)
    }

    /// Refuses to load `weightBytes` more (an estimate from the files) when they, the smallest KV cache and the
    /// headroom would not fit beside `residentBytes` under `memoryLimit`.
    public func checkRoom(forWeights weightBytes: Int, residentBytes: Int) throws {
        guard let memoryLimit else { return }
        let needed = weightBytes + Self.minimumCacheBudgetBytes + memoryLimit.headroomBytes
        guard residentBytes + needed <= memoryLimit.bytes else {
            throw ModelLoadingError.memoryLimit(what: "loading \(models.values.sorted().first ?? "the bundled model")",
                                                neededBytes: needed, availableBytes: memoryLimit.bytes - residentBytes,
                                                limit: memoryLimit)
        }
    }
}

/// How a model's matrices are held: f32 computes exactly what PyTorch does; bf16 halves the bytes read per token;
/// int8 quarters them (one scale per output, activations quantized per row).
public enum WeightPrecision: String, CaseIterable, Sendable {
    case f32
    case bf16
    case int8
}
