/// The shape of a Llama-family decoder as a GGUF file's `{arch}.*` metadata gives it (architectures `llama`,
/// `qwen2`, `qwen3`): what the model loader needs besides the tensors.
public struct GGUFModelConfig: Equatable, Sendable {
    /// `general.architecture`: "llama", "qwen2" or "qwen3".
    public var architecture: String
    /// `{arch}.embedding_length`.
    public var hiddenSize: Int
    /// `{arch}.feed_forward_length`.
    public var intermediateSize: Int
    /// `{arch}.attention.head_count`.
    public var attentionHeads: Int
    /// `{arch}.attention.head_count_kv` (default: `attentionHeads`).
    public var keyValueHeads: Int
    /// `{arch}.attention.key_length` (default: `hiddenSize / attentionHeads`).
    public var headDim: Int
    /// `{arch}.block_count`.
    public var layers: Int
    /// `{arch}.context_length`.
    public var contextLength: Int
    /// `{arch}.rope.freq_base` (default 10000).
    public var ropeTheta: Double
    /// `{arch}.attention.layer_norm_rms_epsilon`.
    public var rmsNormEpsilon: Double
    /// `{arch}.vocab_size`, else the rows of `token_embd`.
    public var vocabularySize: Int
    /// True when the file has no `output` tensor, so the head reads the token embedding.
    public var tiedEmbeddings: Bool

    public static let architectures = ["llama", "qwen2", "qwen3"]

    public init(architecture: String, hiddenSize: Int, intermediateSize: Int, attentionHeads: Int,
                keyValueHeads: Int, headDim: Int, layers: Int, contextLength: Int, ropeTheta: Double,
                rmsNormEpsilon: Double, vocabularySize: Int, tiedEmbeddings: Bool) {
        self.architecture = architecture
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.attentionHeads = attentionHeads
        self.keyValueHeads = keyValueHeads
        self.headDim = headDim
        self.layers = layers
        self.contextLength = contextLength
        self.ropeTheta = ropeTheta
        self.rmsNormEpsilon = rmsNormEpsilon
        self.vocabularySize = vocabularySize
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// Reads the configuration of `file`. Throws when the architecture is not one of `architectures`, or a needed
    /// key is missing, of the wrong type, or not positive.
    public init(file: GGUFFile) throws {
        let name = file.fileName
        guard let arch = file.architecture else {
            throw GGUFError.missingKey(file: name, key: "general.architecture")
        }
        guard Self.architectures.contains(arch) else {
            throw GGUFError.unsupportedArchitecture(file: name, architecture: arch)
        }
        func int(_ key: String, default fallback: Int? = nil) throws -> Int {
            guard let value = file.metadata[arch + "." + key] else {
                guard let fallback else { throw GGUFError.missingKey(file: name, key: arch + "." + key) }
                return fallback
            }
            guard let int = value.int, int > 0, int < 1 << 31 else {
                throw GGUFError.wrongKeyType(file: name, key: arch + "." + key, expected: "a positive integer")
            }
            return int
        }
        func double(_ key: String, default fallback: Double? = nil) throws -> Double {
            guard let value = file.metadata[arch + "." + key] else {
                guard let fallback else { throw GGUFError.missingKey(file: name, key: arch + "." + key) }
                return fallback
            }
            guard let double = value.double, double > 0, double.isFinite else {
                throw GGUFError.wrongKeyType(file: name, key: arch + "." + key, expected: "a positive number")
            }
            return double
        }
        let hidden = try int("embedding_length")
        let heads = try int("attention.head_count")
        let embedding = file.tensor("token_embd.weight")
        guard let embeddingRows = embedding?.shape.first else {
            throw GGUFError.missingTensor(file: name, tensor: "token_embd.weight")
        }
        self.init(
            architecture: arch, hiddenSize: hidden, intermediateSize: try int("feed_forward_length"),
            attentionHeads: heads, keyValueHeads: try int("attention.head_count_kv", default: heads),
            headDim: try int("attention.key_length", default: max(1, hidden / heads)), layers: try int("block_count"),
            contextLength: try int("context_length"), ropeTheta: try double("rope.freq_base", default: 10000),
            rmsNormEpsilon: try double("attention.layer_norm_rms_epsilon"),
            vocabularySize: try int("vocab_size", default: embeddingRows),
            tiedEmbeddings: file.tensor("output.weight") == nil)
        guard attentionHeads % keyValueHeads == 0 else {
            throw GGUFError.wrongKeyType(file: name, key: arch + ".attention.head_count_kv",
                                         expected: "a divisor of the head count \(heads)")
        }
    }
}
