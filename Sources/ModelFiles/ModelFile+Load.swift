import Kernels
import Model

extension ModelFile {
    /// Builds the model from the file's tensors, checking every shape against the configuration.
    ///
    /// `weights` says how the matrices of linear layers are held: fp32 (exact), or bf16 (half the bytes a decode
    /// step reads; logits within 1% of the model's logit range of fp32's, see BENCHMARKS.md), or int8 (a quarter of
    /// the bytes: each output's weights scaled by their largest magnitude, quantized at load from any source format).
    public func load(weights format: WeightFormat = .f32) throws -> GPTModel {
        do {
            return try Self.build(names: names, scheme: scheme, config: config, task: task, headRows: headRows,
                                  storage: WeightStorage(source: source, format: format))
        } catch let error as GPTError {
            throw (source as? GGUFTensorSource)?.namingFileTensors(error) ?? error
        }
    }

    /// The model of `config` from the tensors in `storage`, named as `names` says.
    static func build(names: TensorNames, scheme: NamingScheme, config: GPTConfig, task: GPTModel.Task,
                      headRows: Int, storage: WeightStorage) throws -> GPTModel {
        let c = config.nEmbd
        let layers = try (0..<config.nLayer).map { try names.layer($0, config: config, storage: storage) }
        let headName = names.head(classifier: scheme == .huggingFaceClassifier)
        let head: LinearWeight
        var headBias: UnsafePointer<Float>?
        if config.architecture.tiedHead {
            head = try storage.matrix(names.tokenEmbedding, shape: [config.vocabSize, c], isHead: true)
        } else if storage.contains(headName) {
            head = try storage.matrix(headName, shape: [headRows, c], isHead: true)
            if scheme == .book, case .classifier = task, storage.contains("out_head.bias") {
                headBias = try storage.floats("out_head.bias", shape: [headRows])
            }
        } else {
            throw GPTError.missingTensor(file: storage.fileName, tensor: headName)
        }
        // fp32 panels of a tied head, and a GGUF file's blocks kept at their width, hold wte exactly, so they serve
        // the embedding lookups too and the model holds wte (155 MB for GPT-2) once. bf16 and int8 panels are
        // rounded: lookups then read the file's own rows where its format reads a row at a time (GGUF), else an
        // fp32 copy.
        let embeddingShape = [config.vocabSize, c]
        let tokenEmbedding: TokenEmbedding
        if config.architecture.tiedHead && head.holdsExactRows {
            tokenEmbedding = .tiedHead(head)
        } else if let rows = try storage.fileRows(names.tokenEmbedding, shape: embeddingShape) {
            tokenEmbedding = .fileRows(rows)
        } else {
            tokenEmbedding = .table(try storage.floats(names.tokenEmbedding, shape: embeddingShape), channels: c)
        }
        let positionEmbedding = try names.positionEmbedding.map {
            try storage.floats($0, shape: [config.nPositions, c])
        }
        let model = GPTModel(
            config: config, task: task, storage: storage, tokenEmbedding: tokenEmbedding,
            positionEmbedding: positionEmbedding, layers: layers,
            finalNorm: NormWeights(gain: try storage.floats(names.finalGain, shape: [c]),
                                   bias: try names.finalBias.map { try storage.floats($0, shape: [c]) }),
            head: head, headBias: headBias)
        // Packing freed its fp32 copies and chunk buffers as it went; without this their pages stay resident.
        FreedHeap.release()
        return model
    }
}

extension GPTModel {
    /// A language model from tensors under Hugging Face's names (GPT-2's, or Llama/Qwen's `model.embed_tokens`,
    /// `model.layers.N...`) and its configuration, wherever they were read from (a GGUF reader that renames its
    /// tensors, for one). The head is tied when the configuration says so or `lm_head.weight` is absent.
    public static func load(tensors source: TensorSource, config: GPTConfig,
                            weights format: WeightFormat = .f32) throws -> GPTModel {
        let scheme = try NamingScheme.detect(in: source)
        let names = scheme.names(in: source)
        var config = config
        try config.validate(file: source.fileName)
        try ModelFile.checkFamily(config, scheme: scheme, file: source.fileName)
        if source.shape(of: names.head(classifier: false)) == nil { config.architecture.tiedHead = true }
        return try ModelFile.build(names: names, scheme: scheme, config: config, task: .languageModel,
                                   headRows: config.vocabSize, storage: WeightStorage(source: source, format: format))
    }
}
