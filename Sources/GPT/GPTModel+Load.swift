import Foundation
import Kernels

extension GPTModel {
    /// Standard GPT-2 sizes: n_embd -> n_head, for files that come without a config.json.
    static let standardHeads = [768: 12, 1024: 16, 1280: 20, 1600: 25]

    /// Loads a `.safetensors` file or a Hugging Face directory (config.json + model.safetensors).
    ///
    /// The naming scheme is detected from the tensor names. The configuration comes from, in order: `config`,
    /// the directory's config.json, or the tensor shapes (heads from `heads` or the standard GPT-2 sizes).
    /// `weights` says how the matrices of linear layers are held: fp32 (exact), or bf16 (half the bytes a decode
    /// step reads; logits within about 1e-2 of fp32, see BENCHMARKS.md).
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
        let file = try SafetensorsFile(url: fileURL)
        let storage = WeightStorage(file: file, format: format)
        let names = Set(file.tensors.keys)
        let scheme: NamingScheme
        if names.contains("tok_emb.weight") {
            scheme = .book
        } else if names.contains("wte.weight") || names.contains("transformer.wte.weight") {
            scheme = names.contains("score.weight") ? .huggingFaceClassifier : .huggingFaceLanguageModel
        } else {
            throw GPTError.unknownNamingScheme(file: file.fileName)
        }
        let prefix = names.contains("transformer.wte.weight") ? "transformer." : ""
        let names_ = scheme == .book ? BookNames() as TensorNames : HuggingFaceNames(prefix: prefix)
        var config = try explicit ?? fromJSON?.0 ?? inferConfig(names_, storage: storage, heads: heads)
        if let heads, explicit == nil { config.nHead = heads }
        if scheme == .book { config.qkvBias = names.contains(names_.qkvBias(0, part: 0)) }
        try config.validate(file: file.fileName)

        let c = config.nEmbd
        var task = Task.languageModel
        let headName = names_.head(classifier: scheme == .huggingFaceClassifier)
        var headRows = config.vocabSize
        if scheme == .huggingFaceClassifier {
            headRows = try storage.info(headName).shape.first ?? 0
            task = .classifier(labels: labels(fromJSON?.1, count: headRows))
        } else if scheme == .book, let info = file.tensors[headName], info.shape.count == 2,
                  info.shape[0] != config.vocabSize || names.contains("out_head.bias") {
            headRows = info.shape[0]
            task = .classifier(labels: labels(fromJSON?.1, count: headRows))
        }

        let layers = try (0..<config.nLayer).map { try names_.layer($0, config: config, storage: storage) }
        let tokenEmbedding = try storage.floats(names_.tokenEmbedding, shape: [config.vocabSize, c])
        let head: LinearWeight
        var headBias: UnsafePointer<Float>?
        if names.contains(headName) {
            head = try storage.matrix(headName, shape: [headRows, c])
            if scheme == .book, case .classifier = task { headBias = try storage.floats("out_head.bias", shape: [headRows]) }
        } else if scheme == .huggingFaceLanguageModel {
            head = storage.linear(tokenEmbedding, shape: [config.vocabSize, c])  // tied to wte (a bf16 copy if asked)
        } else {
            throw GPTError.missingTensor(file: file.fileName, tensor: headName)
        }
        var dtypes: [String: Int] = [:]
        for info in file.tensors.values { dtypes[info.dtype, default: 0] += 1 }
        let ignored = file.tensors.values.filter { names_.isBuffer($0.name) }
        let summary = FileSummary(
            path: fileURL.path, format: "safetensors", tensorCount: file.tensors.count, dtypes: dtypes,
            fileBytes: file.fileSize,
            parameterCount: file.tensors.values.reduce(0) { $0 + $1.elementCount }
                - ignored.reduce(0) { $0 + $1.elementCount })
        let model = GPTModel(
            config: config, task: task, scheme: scheme, summary: summary, storage: storage,
            tokenEmbedding: tokenEmbedding,
            positionEmbedding: try storage.floats(names_.positionEmbedding, shape: [config.nPositions, c]),
            layers: layers,
            finalGain: try storage.floats(names_.finalGain, shape: [c]),
            finalBias: try storage.floats(names_.finalBias, shape: [c]),
            head: head, headBias: headBias)
        // The transposed (and bf16) copies are made; the mapped originals need not stay resident as well.
        file.releaseResidentPages()
        return model
    }

    static func labels(_ fromJSON: [String]?, count: Int) -> [String] {
        if let fromJSON, fromJSON.count == count { return fromJSON }
        return (0..<count).map { "LABEL_\($0)" }
    }

    /// The configuration a file implies: C and V from the token embedding, context from the position embedding,
    /// L from the blocks, the MLP width from its first layer, heads from `heads` or the standard sizes.
    static func inferConfig(_ names: TensorNames, storage: WeightStorage, heads: Int?) throws -> GPTConfig {
        let file = storage.file.fileName
        let tok = try storage.info(names.tokenEmbedding).shape
        let pos = try storage.info(names.positionEmbedding).shape
        guard tok.count == 2, pos.count == 2 else {
            throw GPTError.wrongShape(file: file, tensor: names.tokenEmbedding, shape: tok, expected: [-1, -1])
        }
        let c = tok[1]
        var layers = 0
        while storage.file.tensors[names.layerMarker(layers)] != nil { layers += 1 }
        guard layers > 0 else { throw GPTError.missingTensor(file: file, tensor: names.layerMarker(0)) }
        guard let h = heads ?? standardHeads[c] else {
            throw GPTError.invalidConfiguration(
                file: file, reason: "cannot infer n_head for n_embd \(c); give a config.json or the head count")
        }
        let fc = try storage.info(names.mlpMarker(0)).shape
        return GPTConfig(nEmbd: c, nHead: h, nLayer: layers, nPositions: pos[0], vocabSize: tok[0],
                         nInner: names.innerWidth(fc), qkvBias: true)
    }
}
