import Foundation

/// A loaded GPT-2-architecture model: configuration, fp32 weights laid out [out, in], and its task.
///
/// Immutable after loading, so one model can serve any number of threads; the forward pass itself is synchronous
/// and uses up to `Matmul.threads` threads plus OpenBLAS's.
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
        var qkvWeight: UnsafePointer<Float>                  // [3C, C]
        var qkvBias: UnsafePointer<Float>?                   // [3C]
        var projWeight, projBias: UnsafePointer<Float>       // [C, C], [C]
        var ln2Gain, ln2Bias: UnsafePointer<Float>           // [C]
        var fcWeight, fcBias: UnsafePointer<Float>           // [F, C], [F]
        var outWeight, outBias: UnsafePointer<Float>         // [C, F], [C]
    }

    public let config: GPTConfig
    public let task: Task
    public let scheme: NamingScheme
    public let summary: FileSummary
    let storage: WeightStorage
    let tokenEmbedding: UnsafePointer<Float>     // [V, C]
    let positionEmbedding: UnsafePointer<Float>  // [P, C]
    let layers: [Layer]
    let finalGain, finalBias: UnsafePointer<Float>  // [C]
    let head: UnsafePointer<Float>                // [V or labels, C]
    let headBias: UnsafePointer<Float>?

    /// Width of one output row: the vocabulary for a language model, the label count for a classifier.
    public var outputWidth: Int {
        if case .classifier(let labels) = task { return labels.count }
        return config.vocabSize
    }

    /// fp32 bytes of the matrices one decode step reads (blocks and head; embeddings are read by row only).
    public var weightBytesPerStep: Int {
        let c = config.nEmbd, f = config.nInner
        return 4 * (config.nLayer * (3 * c * c + c * c + 2 * c * f) + outputWidth * c)
    }

    init(config: GPTConfig, task: Task, scheme: NamingScheme, summary: FileSummary, storage: WeightStorage,
         tokenEmbedding: UnsafePointer<Float>, positionEmbedding: UnsafePointer<Float>, layers: [Layer],
         finalGain: UnsafePointer<Float>, finalBias: UnsafePointer<Float>, head: UnsafePointer<Float>,
         headBias: UnsafePointer<Float>?) {
        self.config = config; self.task = task; self.scheme = scheme; self.summary = summary; self.storage = storage
        self.tokenEmbedding = tokenEmbedding; self.positionEmbedding = positionEmbedding; self.layers = layers
        self.finalGain = finalGain; self.finalBias = finalBias; self.head = head; self.headBias = headBias
    }
}
