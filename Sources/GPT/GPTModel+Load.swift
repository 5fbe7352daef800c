import Foundation
import Kernels

extension GPTModel {
    /// Standard GPT-2 sizes: n_embd -> n_head, for files that come without a config.json.
    static let standardHeads = [768: 12, 1024: 16, 1280: 20, 1600: 25]

    /// Loads a `.safetensors` file, a PyTorch `.pth` checkpoint (state dict, or a training checkpoint that wraps
    /// one), or a Hugging Face directory (config.json + model.safetensors).
    ///
    /// The naming scheme is detected from the tensor names. The configuration comes from, in order: `config`,
    /// the directory's config.json, or the tensor shapes (heads from `heads` or the standard GPT-2 sizes).
    /// A `.pth` pickle is never run: see `PyTorchCheckpoint`.
    /// `weights` says how the matrices of linear layers are held: fp32 (exact), or bf16 (half the bytes a decode
    /// step reads; logits within 1% of the model's logit range of fp32's, see BENCHMARKS.md), or int8 (a quarter of
    /// the bytes: each output's weights scaled by their largest magnitude, quantized at load from any source format).
    public static func load(from url: URL, config explicit: GPTConfig? = nil, heads: Int? = nil,
                            weights format: WeightFormat = .f32) throws -> GPTModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw GPTError.fileNotFound(path: url.path)
        }
        var fileURL = url
        var fromJSON: (GPTConfig, [String]?)?
        if isDirectory.boolValue {
            fileURL = url.appendingPathComponent("model.safetensors")
            let configURL = url.appendingPathComponent("config.json")
            if FileManager.default.fileExists(atPath: configURL.path) { fromJSON = try GPTConfig.read(configURL) }
        }
        let storage = WeightStorage(source: try openTensorSource(at: fileURL), format: format)
        let file = storage.fileName
        let scheme: NamingScheme
        if storage.contains("tok_emb.weight") {
            scheme = .book
        } else if storage.contains("wte.weight") || storage.contains("transformer.wte.weight") {
            scheme = storage.contains("score.weight") ? .huggingFaceClassifier : .huggingFaceLanguageModel
        } else {
            throw GPTError.unknownNamingScheme(file: file)
        }
        let prefix = storage.contains("transformer.wte.weight") ? "transformer." : ""
        let names_ = scheme == .book ? BookNames() as TensorNames : HuggingFaceNames(prefix: prefix)
        var config = try explicit ?? fromJSON?.0 ?? inferConfig(names_, storage: storage, heads: heads)
        if let heads, explicit == nil { config.nHead = heads }
        if scheme == .book { config.qkvBias = storage.contains(names_.qkvBias(0, part: 0)) }
        try config.validate(file: file)

        let c = config.nEmbd
        var task = Task.languageModel
        let headName = names_.head(classifier: scheme == .huggingFaceClassifier)
        var headRows = config.vocabSize
        if scheme == .huggingFaceClassifier {
            headRows = try storage.shape(headName).first ?? 0
            task = .classifier(labels: labels(fromJSON?.1, count: headRows))
        } else if scheme == .book, let shape = storage.source.shape(of: headName), shape.count == 2,
                  shape[0] != config.vocabSize || storage.contains("out_head.bias") {
            // The book's chapter 6 replaces out_head by Linear(C, classes), which has a bias.
            headRows = shape[0]
            task = .classifier(labels: labels(fromJSON?.1, count: headRows))
        }

        let layers = try (0..<config.nLayer).map { try names_.layer($0, config: config, storage: storage) }
        let head: LinearWeight
        var headBias: UnsafePointer<Float>?
        var tied = false
        if storage.contains(headName) {
            head = try storage.matrix(headName, shape: [headRows, c])
            if scheme == .book, case .classifier = task, storage.contains("out_head.bias") {
                headBias = try storage.floats("out_head.bias", shape: [headRows])
            }
        } else if scheme == .huggingFaceLanguageModel {
            head = try storage.matrix(names_.tokenEmbedding, shape: [config.vocabSize, c])  // tied to wte
            tied = true
        } else {
            throw GPTError.missingTensor(file: file, tensor: headName)
        }
        // fp32 panels of a tied head hold wte exactly, so they serve the embedding lookups too and the model holds
        // wte (155 MB for GPT-2) once. bf16 and int8 panels are rounded: lookups then read an fp32 copy.
        let tokenEmbedding: TokenEmbedding = tied && head.isF32 ? .tiedHead(head) : .table(
            try storage.floats(names_.tokenEmbedding, shape: [config.vocabSize, c]), channels: c)
        let source = storage.source
        let parameters = source.tensorNames.filter { !names_.isBuffer($0) }
            .reduce(0) { $0 + (source.shape(of: $1) ?? []).reduce(1, *) }
        let summary = FileSummary(
            path: source.path, format: source.formatDescription, tensorCount: source.tensorNames.count,
            dtypes: source.dtypeCounts, fileBytes: source.fileBytes, parameterCount: parameters, notes: source.notes)
        return GPTModel(
            config: config, task: task, scheme: scheme, summary: summary, storage: storage,
            tokenEmbedding: tokenEmbedding,
            positionEmbedding: try storage.floats(names_.positionEmbedding, shape: [config.nPositions, c]),
            layers: layers,
            finalGain: try storage.floats(names_.finalGain, shape: [c]),
            finalBias: try storage.floats(names_.finalBias, shape: [c]),
            head: head, headBias: headBias)
    }

    static func labels(_ fromJSON: [String]?, count: Int) -> [String] {
        if let fromJSON, fromJSON.count == count { return fromJSON }
        return (0..<count).map { "LABEL_\($0)" }
    }

    /// The configuration a file implies: C and V from the token embedding, context from the position embedding,
    /// L from the blocks, the MLP width from its first layer, heads from `heads` or the standard sizes.
    static func inferConfig(_ names: TensorNames, storage: WeightStorage, heads: Int?) throws -> GPTConfig {
        let file = storage.fileName
        let tok = try storage.shape(names.tokenEmbedding)
        let pos = try storage.shape(names.positionEmbedding)
        guard tok.count == 2 else {
            throw GPTError.wrongShape(file: file, tensor: names.tokenEmbedding, shape: tok, expected: [-1, -1])
        }
        guard pos.count == 2 else {
            throw GPTError.wrongShape(file: file, tensor: names.positionEmbedding, shape: pos, expected: [-1, -1])
        }
        let c = tok[1]
        var layers = 0
        while storage.contains(names.layerMarker(layers)) { layers += 1 }
        guard layers > 0 else { throw GPTError.missingTensor(file: file, tensor: names.layerMarker(0)) }
        guard let h = heads ?? standardHeads[c] else {
            throw GPTError.unknownHeadCount(file: file, width: c)
        }
        let fc = try storage.shape(names.mlpMarker(0))
        return GPTConfig(nEmbd: c, nHead: h, nLayer: layers, nPositions: pos[0], vocabSize: tok[0],
                         nInner: names.innerWidth(fc), qkvBias: true)
    }
}
