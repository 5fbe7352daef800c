import Engine
import Model
import Tasks
import Tokenizer

/// The backend that runs the models in this process: the three tasks (inline completion, summarise, classify)
/// turned into jobs of one `Engine`.
///
/// The tasks themselves are written once in `Tasks`, over a `Generator` per model (`EngineGenerator`: the model's
/// tokenizer, token healing, engine jobs); a classifier model's own head is read here. The engine owns the models
/// and the KV cache. Methods may be called from any thread; their callbacks run on the engine thread and must
/// return quickly.
public final class InProcessBackend: TaskBackend, @unchecked Sendable {
    /// A model as one task uses it.
    public struct TaskModel: Sendable {
        /// Index of the model in the engine.
        public var index: Int
        public var tokenizer: BPETokenizer
        public var contextLength: Int
        /// Label names when the model is a classifier (its outputs are label logits, not the vocabulary).
        public var labels: [String]?
        /// How a classifier's input is cut and padded before its last position is read.
        public var classifierInput: ClassifierInput
        /// How instructions are put to it (summaries): its chat format, or the book's Alpaca.
        public var instructionFormat: InstructionFormat
        /// Whether its completions use fill-in-the-middle (see `FIMChoice`).
        public var fim: FIMChoice

        public init(index: Int, tokenizer: BPETokenizer, contextLength: Int, labels: [String]? = nil,
                    classifierInput: ClassifierInput = ClassifierInput(), instructionFormat: InstructionFormat = .alpaca,
                    fim: FIMChoice = .automatic) {
            self.fim = fim
            self.instructionFormat = instructionFormat
            self.index = index
            self.tokenizer = tokenizer
            self.contextLength = contextLength
            self.labels = labels
            self.classifierInput = classifierInput
        }
    }

    public let engine: Engine
    public let completionModel: TaskModel
    public let summarizeModel: TaskModel
    public let classifyModel: TaskModel
    /// The instruction of summary prompts.
    public var summaryInstruction = PromptFormat.summaryInstruction
    /// Each engine model's parameters: their bytes and how its matrices are held.
    public struct ModelWeights: Sendable {
        public var bytes: Int
        public var format: WeightFormat
    }
    /// The weights of each engine model, in the engine's model order, for status.
    public var weights: [ModelWeights] = []

    /// The completion model: completions (with token healing) and zero-shot classification.
    let completionGenerator: EngineGenerator
    let summaryGenerator: EngineGenerator

    public init(engine: Engine, completion: TaskModel, summarize: TaskModel, classify: TaskModel) {
        self.engine = engine
        self.completionModel = completion
        self.summarizeModel = summarize
        self.classifyModel = classify
        completionGenerator = EngineGenerator(engine: engine, model: completion,
                                              healing: TokenHealing(tokenizer: completion.tokenizer))
        summaryGenerator = EngineGenerator(engine: engine, model: summarize)
    }

    public var status: BackendStatus {
        let statistics = engine.statistics
        return BackendStatus(
            steps: statistics.steps, jobsFinished: statistics.jobsFinished,
            activeSequences: statistics.activeSequences, promptTokensComputed: statistics.promptTokensComputed,
            promptTokensReused: statistics.promptTokensReused, tokensGenerated: statistics.tokensGenerated,
            caches: statistics.caches.enumerated().map { index, cache in
                let model = weights.indices.contains(index) ? weights[index] : nil
                return CacheStatus(blockSize: cache.blockSize, capacityBlocks: cache.capacity,
                                   blocksHeld: cache.statistics.blocksHeld, blocksInUse: cache.statistics.blocksInUse,
                                   blocksCached: cache.statistics.blocksCached, bytesUsed: cache.bytesUsed,
                                   hitRate: cache.hitRate, evictions: cache.statistics.evictions,
                                   blocksResident: cache.statistics.blocksResident, bytesResident: cache.bytesResident,
                                   weightBytes: model?.bytes ?? 0, weightFormat: model?.format.rawValue)
            }, cacheBudgetBytes: statistics.cacheBudgetBytes)
    }

    public func shutdown() {
        engine.shutdown()
    }
}

extension TaskError {
    /// How an engine failure reads at the seam.
    init(_ error: EngineError) {
        switch error {
        case .cancelled: self = .cancelled
        case .superseded: self = .superseded
        case .busy(let queued, let limit): self = .busy(queued: queued, limit: limit)
        case .tooLargeForCache(let needed, let capacity): self = .tooLargeForCache(blocksNeeded: needed, capacity: capacity)
        default: self = .failed(error.description)
        }
    }
}

extension TaskMetrics {
    /// The figures of one engine job.
    init(_ metrics: JobMetrics) {
        self.init(promptTokens: metrics.promptTokens, reusedTokens: metrics.reusedTokens,
                  computedTokens: metrics.computedTokens, generatedTokens: metrics.generatedTokens,
                  queuedMs: metrics.queuedMs, firstTokenMs: metrics.firstTokenMs, totalMs: metrics.totalMs)
    }
}
