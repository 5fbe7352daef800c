import Kernels

/// A loaded decoder-only transformer: configuration, weights laid out [out, in] (the matrices of linear layers in
/// fp32, bf16 or int8, everything else fp32), and its task.
///
/// Built by a loader (ModelFiles turns a file into one) from a `WeightStorage` that owns the memory behind every
/// pointer here. Immutable after loading, so one model can serve any number of threads; the forward pass itself is
/// synchronous and splits each kernel over `KernelThreads.count` threads.
public final class GPTModel {
    public enum Task: Equatable, Sendable {
        case languageModel
        case classifier(labels: [String])
    }

    public let config: GPTConfig
    public let task: Task
    let storage: WeightStorage
    let tokenEmbedding: TokenEmbedding                // [V, C]
    let positionEmbedding: UnsafePointer<Float>?      // [P, C] with learned positions
    let layers: [DecoderLayer]
    let finalNorm: NormWeights
    let head: LinearWeight                            // [V or labels, C]
    let headBias: UnsafePointer<Float>?

    /// Width of one output row: the vocabulary for a language model, the label count for a classifier.
    public var outputWidth: Int {
        if case .classifier(let labels) = task { return labels.count }
        return config.vocabSize
    }

    /// How the matrices of linear layers are held.
    public var weightFormat: WeightFormat { storage.format }

    /// Bytes of the model's parameters as held in memory: the matrices one step reads plus the embedding tables
    /// (a token table that is the tied head counts once).
    public var weightBytes: Int {
        var bytes = weightBytesPerStep
        if positionEmbedding != nil { bytes += config.nPositions * config.nEmbd * MemoryLayout<Float>.size }
        if case .table = tokenEmbedding { bytes += config.vocabSize * config.nEmbd * MemoryLayout<Float>.size }
        return bytes
    }

    /// Bytes of the matrices one decode step reads (blocks and head; embeddings are read by row only).
    public var weightBytesPerStep: Int {
        layers.reduce(head.byteCount) {
            $0 + $1.attention.qkv.byteCount + $1.attention.output.byteCount + $1.mlp.up.byteCount
                + $1.mlp.down.byteCount
        }
    }

    /// Bytes the storage actually allocated for the weights: `weightBytes` as measured, for checking a loader keeps
    /// no tensor twice.
    public var allocatedBytes: Int { storage.ownedBytes }

    /// `layers` has `config.nLayer` entries and every pointer lies in `storage`, which the model keeps alive.
    public init(config: GPTConfig, task: Task, storage: WeightStorage, tokenEmbedding: TokenEmbedding,
                positionEmbedding: UnsafePointer<Float>?, layers: [DecoderLayer], finalNorm: NormWeights,
                head: LinearWeight, headBias: UnsafePointer<Float>?) {
        precondition(layers.count == config.nLayer, "\(layers.count) layers for a config of \(config.nLayer)")
        precondition(config.architecture.positions != .learned || positionEmbedding != nil,
                     "learned positions need a position embedding")
        self.config = config; self.task = task; self.storage = storage
        self.tokenEmbedding = tokenEmbedding; self.positionEmbedding = positionEmbedding; self.layers = layers
        self.finalNorm = finalNorm; self.head = head; self.headBias = headBias
    }
}
