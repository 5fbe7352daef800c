import Foundation
import Kernels

/// How the matrices of linear layers are held in memory: f32 (exact), bf16 (half the bytes) or int8 (a quarter, one
/// scale per output), see `GPTModel.load`.
public enum WeightFormat: String, CaseIterable, Sendable {
    case f32
    case bf16
    case int8
}

/// A loaded GPT-2-architecture model: configuration, weights laid out [out, in] (the matrices of linear layers in
/// fp32 or bf16, everything else fp32), and its task.
///
/// Immutable after loading, so one model can serve any number of threads; the forward pass itself is synchronous
/// and splits each kernel over `KernelThreads.count` threads.
public final class GPTModel {
    public enum Task: Equatable, Sendable {
        case languageModel
        case classifier(labels: [String])
    }

    public enum NamingScheme: String, Sendable {
        case huggingFaceLanguageModel = "Hugging Face GPT2LMHeadModel"
        case huggingFaceClassifier = "Hugging Face GPT2ForSequenceClassification"
        case book = "book GPTModel"
    }

    /// What `gptls inspect` shows about the file.
    public struct FileSummary: Sendable {
        public var path: String
        public var format: String
        public var tensorCount: Int
        public var dtypes: [String: Int]
        public var fileBytes: Int
        public var parameterCount: Int
        /// Format-specific lines (a `.pth`'s strided views and shared storages).
        public var notes: [String] = []
    }

    struct Layer {
        var ln1Gain, ln1Bias: UnsafePointer<Float>          // [C]
        var qkvWeight: LinearWeight                          // [3C, C]
        var qkvBias: UnsafePointer<Float>?                   // [3C]
        var projWeight: LinearWeight                         // [C, C]
        var projBias: UnsafePointer<Float>                   // [C]
        var ln2Gain, ln2Bias: UnsafePointer<Float>           // [C]
        var fcWeight: LinearWeight                           // [F, C]
        var fcBias: UnsafePointer<Float>                     // [F]
        var outWeight: LinearWeight                          // [C, F]
        var outBias: UnsafePointer<Float>                    // [C]
    }

    public let config: GPTConfig
    public let task: Task
    public let scheme: NamingScheme
    public let summary: FileSummary
    let storage: WeightStorage
    let tokenEmbedding: TokenEmbedding  // [V, C]
    let positionEmbedding: UnsafePointer<Float>  // [P, C]
    let layers: [Layer]
    let finalGain, finalBias: UnsafePointer<Float>  // [C]
    let head: LinearWeight                        // [V or labels, C]
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
        var bytes = weightBytesPerStep + config.nPositions * config.nEmbd * MemoryLayout<Float>.size
        if case .table = tokenEmbedding { bytes += config.vocabSize * config.nEmbd * MemoryLayout<Float>.size }
        return bytes
    }

    /// Bytes of the matrices one decode step reads (blocks and head; embeddings are read by row only).
    public var weightBytesPerStep: Int {
        layers.reduce(head.byteCount) {
            $0 + $1.qkvWeight.byteCount + $1.projWeight.byteCount + $1.fcWeight.byteCount + $1.outWeight.byteCount
        }
    }

    init(config: GPTConfig, task: Task, scheme: NamingScheme, summary: FileSummary, storage: WeightStorage,
         tokenEmbedding: TokenEmbedding, positionEmbedding: UnsafePointer<Float>, layers: [Layer],
         finalGain: UnsafePointer<Float>, finalBias: UnsafePointer<Float>, head: LinearWeight,
         headBias: UnsafePointer<Float>?) {
        self.config = config; self.task = task; self.scheme = scheme; self.summary = summary; self.storage = storage
        self.tokenEmbedding = tokenEmbedding; self.positionEmbedding = positionEmbedding; self.layers = layers
        self.finalGain = finalGain; self.finalBias = finalBias; self.head = head; self.headBias = headBias
    }
}
