import Model

extension GPTConfig {
    /// The configuration of a GGUF model: the same `Architecture.llama` variant its Hugging Face config.json gives.
    ///
    /// `qwen2` files have a QKV bias (and so does a `llama` file that stores one), `qwen3` files QK norms with the
    /// head size from `key_length`; the head is tied when the file has no `output` tensor. Throws when the file asks
    /// for rotary scaling gptls cannot apply exactly: a `rope_freqs` tensor (Llama 3's per-frequency factors) or a
    /// `{arch}.rope.scaling.type` other than none.
    static func readGGUF(_ source: GGUFTensorSource) throws -> GPTConfig {
        let gguf = source.config, file = source.fileName
        if source.file.tensor("rope_freqs.weight") != nil {
            throw GGUFError.unsupportedRopeScaling(
                file: file, what: "tensor rope_freqs.weight holds Llama 3's per-frequency rotary scaling factors")
        }
        let scalingKey = gguf.architecture + ".rope.scaling.type"
        if let value = source.file.metadata[scalingKey], value.string != "none" {
            throw GGUFError.unsupportedRopeScaling(
                file: file, what: "\(scalingKey) is \(value.string.map { $0.debugDescription } ?? "not a string")")
        }
        var architecture = Architecture.llama(
            epsilon: Float(gguf.rmsNormEpsilon), kvHeads: gguf.keyValueHeads, theta: Float(gguf.ropeTheta),
            tiedHead: gguf.tiedEmbeddings)
        architecture.qkvBias = source.shape(of: "model.layers.0.self_attn.q_proj.bias") != nil
        architecture.qkNorm = source.shape(of: "model.layers.0.self_attn.q_norm.weight") != nil
        let config = GPTConfig(
            nEmbd: gguf.hiddenSize, nHead: gguf.attentionHeads, nLayer: gguf.layers, nPositions: gguf.contextLength,
            vocabSize: gguf.vocabularySize, nInner: gguf.intermediateSize,
            eosTokenId: source.file.metadata["tokenizer.ggml.eos_token_id"]?.int,
            padTokenId: source.file.metadata["tokenizer.ggml.padding_token_id"]?.int,
            architecture: architecture, headDim: gguf.headDim)
        try config.validate(file: file)
        return config
    }
}
