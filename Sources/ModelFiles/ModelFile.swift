import Foundation
import Model

/// A model's weights file as read, before its weights are: the format, the naming scheme, the configuration and
/// task they imply, and what `gptls inspect` shows. `load` then builds the model.
///
/// Reads a `.safetensors` file, a PyTorch `.pth` checkpoint (state dict, or a training checkpoint that wraps one),
/// a Hugging Face directory (config.json + model.safetensors, or a sharded model.safetensors.index.json), or a GGUF
/// file of a Llama/Qwen model (tensors renamed to Hugging Face's). A `.pth` pickle is never run: see
/// `PyTorchCheckpoint`. The configuration comes from, in order: `config`, the directory's config.json or the GGUF
/// metadata, a book Llama3Model/Qwen3Model's JSON beside its weights (`model.pth` + `model.json`), or the tensor
/// shapes (GPT-2 only; heads from `heads` or the standard GPT-2 sizes). Immutable; the file stays mapped while this
/// value or a model loaded from it lives.
public struct ModelFile {
    /// What `gptls inspect` shows about the file.
    public struct Summary: Sendable {
        public var path: String
        public var format: String
        public var tensorCount: Int
        public var dtypes: [String: Int]
        public var fileBytes: Int
        public var parameterCount: Int
        /// Format-specific lines (a `.pth`'s strided views and shared storages).
        public var notes: [String] = []
    }

    /// How `load` should hold the matrices when the user names no format: int8 for a file stored in quantized
    /// blocks (a GGUF Q8_0 or Q4_K_M), which keeps its Q4_K, Q5_0 and Q4_0 blocks at their width and its Q8_0 and
    /// Q6_K ones as int8, where bf16 would widen them (1.4x the resident memory for a Qwen2.5-Coder-0.5B Q4_K_M file,
    /// 1.9x for a Q8_0 one, and a Q8_0 file decodes at about half int8's speed); bf16 for a file of floats (half
    /// f32's bytes, on the bundled model the same perplexity).
    public var defaultWeightFormat: WeightFormat { source.storesQuantizedBlocks ? .int8 : .bf16 }

    /// Standard GPT-2 sizes: n_embd -> n_head, for files that come without a config.json.
    static let standardHeads = [768: 12, 1024: 16, 1280: 20, 1600: 25]

    public let scheme: NamingScheme
    public let config: GPTConfig
    public let task: GPTModel.Task
    public let summary: Summary
    let source: WeightsFile
    let names: TensorNames
    /// Rows of the output head: the vocabulary, or a classifier's label count.
    let headRows: Int

    public init(at url: URL, config explicit: GPTConfig? = nil, heads: Int? = nil) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelFileError.fileNotFound(path: url.path)
        }
        var fileURL = url
        var fromJSON: (config: GPTConfig, labels: [String]?)?
        var sharded = false
        if isDirectory.boolValue {
            fileURL = url.appendingPathComponent("model.safetensors")
            let index = url.appendingPathComponent(ShardedSafetensors.indexName)
            if !FileManager.default.fileExists(atPath: fileURL.path),
               FileManager.default.fileExists(atPath: index.path) {
                fileURL = index
                sharded = true
            }
            let configURL = url.appendingPathComponent("config.json")
            if FileManager.default.fileExists(atPath: configURL.path) {
                fromJSON = try GPTConfig.readHuggingFace(configURL)
            }
        }
        let source: WeightsFile
        if GGUFFile.isGGUF(fileURL) {
            let gguf = try Self.openGGUF(at: fileURL)
            source = gguf
            if explicit == nil { fromJSON = (try GPTConfig.readGGUF(gguf), nil) }
        } else {
            source = sharded ? try ShardedSafetensors(index: fileURL) : try openWeightsFile(at: fileURL)
        }
        let file = source.fileName
        func has(_ name: String) -> Bool { source.shape(of: name) != nil }
        let scheme = try NamingScheme.detect(in: source)
        let names = scheme.names(in: source)
        if scheme == .bookDecoder, explicit == nil, !isDirectory.boolValue {
            // The book keeps these configurations in Python dicts: the user saves one as JSON beside the weights.
            let bookJSON = url.deletingPathExtension().appendingPathExtension("json")
            guard FileManager.default.fileExists(atPath: bookJSON.path) else {
                throw ModelFileError.fileNotFound(path: bookJSON.path)
            }
            let qwen3 = (names as? BookDecoderNames)?.gain == "scale"
            fromJSON = (try GPTConfig.readBookDecoder(bookJSON, qwen3: qwen3), nil)
        }
        // `heads` only fills in what GPT-2 shapes leave open: a GGUF or book configuration states its head count.
        var config = try explicit ?? fromJSON?.config ?? Self.inferConfig(names, source: source, heads: heads)
        if scheme == .book { config.architecture.qkvBias = has(names.qkvBias(0, part: 0)) }
        try config.validate(file: file)
        try Self.checkFamily(config, scheme: scheme, file: file)

        var task = GPTModel.Task.languageModel
        let headName = names.head(classifier: scheme == .huggingFaceClassifier)
        var headRows = config.vocabSize
        if scheme == .huggingFaceClassifier {
            guard let shape = source.shape(of: headName) else {
                throw GPTError.missingTensor(file: file, tensor: headName)
            }
            headRows = shape.first ?? 0
            task = .classifier(labels: Self.labels(fromJSON?.labels, count: headRows))
        } else if scheme == .book, let shape = source.shape(of: headName), shape.count == 2,
                  shape[0] != config.vocabSize || has("out_head.bias") {
            // The book's chapter 6 replaces out_head by Linear(C, classes), which has a bias.
            headRows = shape[0]
            task = .classifier(labels: Self.labels(fromJSON?.labels, count: headRows))
        }
        // GPT-2's language model without an lm_head of its own reads its logits through wte.
        switch scheme {
        case .huggingFaceDecoder: config.architecture.tiedHead = config.architecture.tiedHead || !has(headName)
        default: config.architecture.tiedHead = scheme == .huggingFaceLanguageModel && !has(headName)
        }

        let parameters = source.tensorNames.filter { !names.isBuffer($0) }
            .reduce(0) { $0 + (source.shape(of: $1) ?? []).reduce(1, *) }
        summary = Summary(
            path: source.path, format: source.formatDescription, tensorCount: source.tensorNames.count,
            dtypes: source.dtypeCounts, fileBytes: source.fileBytes, parameterCount: parameters, notes: source.notes)
        self.scheme = scheme; self.config = config; self.task = task; self.source = source; self.names = names
        self.headRows = headRows
    }

    /// A GGUF model under Hugging Face tensor names. Throws before any weight is read when the architecture is not
    /// a Llama/Qwen one or a tensor is stored in a type gptls cannot dequantize.
    static func openGGUF(at url: URL) throws -> GGUFTensorSource {
        let source = try GGUFTensorSource(url: url)
        if let error = source.file.unreadableTensorError() { throw error }
        return source
    }

    /// Llama/Qwen tensors need a Llama-family configuration and GPT-2 or book tensors a GPT-2 one.
    static func checkFamily(_ config: GPTConfig, scheme: NamingScheme, file: String) throws {
        let llamaConfig = config.architecture.mlp == .swiGLU
        if llamaConfig != (scheme == .huggingFaceDecoder || scheme == .bookDecoder) {
            throw GPTError.invalidConfiguration(
                file: file, reason: "the configuration describes a \(llamaConfig ? "Llama/Qwen" : "GPT-2") model "
                    + "but the tensors are named as a \(scheme.rawValue)")
        }
    }

    static func labels(_ fromJSON: [String]?, count: Int) -> [String] {
        if let fromJSON, fromJSON.count == count { return fromJSON }
        return (0..<count).map { "LABEL_\($0)" }
    }

    /// The configuration a file implies: C and V from the token embedding, context from the position embedding,
    /// L from the blocks, the MLP width from its first layer, heads from `heads` or the standard sizes.
    static func inferConfig(_ names: TensorNames, source: WeightsFile, heads: Int?) throws -> GPTConfig {
        let file = source.fileName
        func shape(_ name: String) throws -> [Int] {
            guard let shape = source.shape(of: name) else { throw GPTError.missingTensor(file: file, tensor: name) }
            return shape
        }
        let tok = try shape(names.tokenEmbedding)
        guard let positionName = names.positionEmbedding else {
            throw ModelFileError.unreadable(
                file: file, reason: "config.json is missing, expected it beside the weights")
        }
        let pos = try shape(positionName)
        guard tok.count == 2 else {
            throw GPTError.wrongShape(file: file, tensor: names.tokenEmbedding, shape: tok, expected: [-1, -1])
        }
        guard pos.count == 2 else {
            throw GPTError.wrongShape(file: file, tensor: positionName, shape: pos, expected: [-1, -1])
        }
        let c = tok[1]
        var layers = 0
        while source.shape(of: names.layerMarker(layers)) != nil { layers += 1 }
        guard layers > 0 else { throw GPTError.missingTensor(file: file, tensor: names.layerMarker(0)) }
        guard let h = heads ?? standardHeads[c] else {
            throw ModelFileError.unknownHeadCount(file: file, width: c)
        }
        let fc = try shape(names.mlpMarker(0))
        return GPTConfig(nEmbd: c, nHead: h, nLayer: layers, nPositions: pos[0], vocabSize: tok[0],
                         nInner: names.innerWidth(fc))
    }
}
