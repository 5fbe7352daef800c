import Kernels
import Model

extension ModelFile {
    /// Builds the model from the file's tensors, checking every shape against the configuration.
    ///
    /// `weights` says how the matrices of linear layers are held: fp32 (exact), or bf16 (half the bytes a decode
    /// step reads; logits within 1% of the model's logit range of fp32's, see BENCHMARKS.md), or int8 (a quarter of
    /// the bytes: each output's weights scaled by their largest magnitude, quantized at load from any source format).
    public func load(weights format: WeightFormat = .f32) throws -> GPTModel {
        let storage = WeightStorage(source: source, format: format)
        let c = config.nEmbd
        let layers = try (0..<config.nLayer).map { try names.layer($0, config: config, storage: storage) }
        let headName = names.head(classifier: scheme == .huggingFaceClassifier)
        let head: LinearWeight
        var headBias: UnsafePointer<Float>?
        if config.architecture.tiedHead {
            head = try storage.matrix(names.tokenEmbedding, shape: [config.vocabSize, c])
        } else if storage.contains(headName) {
            head = try storage.matrix(headName, shape: [headRows, c])
            if scheme == .book, case .classifier = task, storage.contains("out_head.bias") {
                headBias = try storage.floats("out_head.bias", shape: [headRows])
            }
        } else {
            throw GPTError.missingTensor(file: source.fileName, tensor: headName)
        }
        // fp32 panels of a tied head hold wte exactly, so they serve the embedding lookups too and the model holds
        // wte (155 MB for GPT-2) once. bf16 and int8 panels are rounded: lookups then read an fp32 copy.
        let tokenEmbedding: TokenEmbedding = config.architecture.tiedHead && head.isF32 ? .tiedHead(head) : .table(
            try storage.floats(names.tokenEmbedding, shape: [config.vocabSize, c]), channels: c)
        return GPTModel(
            config: config, task: task, storage: storage, tokenEmbedding: tokenEmbedding,
            positionEmbedding: try storage.floats(names.positionEmbedding, shape: [config.nPositions, c]),
            layers: layers,
            finalNorm: NormWeights(gain: try storage.floats(names.finalGain, shape: [c]),
                                   bias: try storage.floats(names.finalBias, shape: [c])),
            head: head, headBias: headBias)
    }
}
