import Model

extension GPTConfig {
    /// The configuration of a GGUF model: the same `Architecture.llama` variant its Hugging Face config.json gives.
    ///
    /// `qwen2` files have a QKV bias (and so does a `llama` file that stores one), `qwen3` files QK norms with the
    /// head size from `key_length`; the head is tied when the file has no `output` tensor. A `rope_freqs` tensor
    /// (Llama 3's scaling as the per-frequency divisors convert_hf_to_gguf.py writes) becomes
    /// `RopeScaling.frequencyFactors`. Throws for a `{arch}.rope.scaling.type` other than none, which gptls cannot
    /// apply exactly, and for a `rope_freqs` tensor that is not D/2 finite positive numbers.
    static func readGGUF(_ source: GGUFTensorSource) throws -> GPTConfig {
        let gguf = source.config, file = source.fileName
        let scalingKey = gguf.architecture + ".rope.scaling.type"
        if let value = source.file.metadata[scalingKey], value.string != "none" {
            throw GGUFError.unsupportedRopeScaling(
                file: file, what: "\(scalingKey) is \(value.string.map { $0.debugDescription } ?? "not a string")")
        }
        let scaling = try ropeFrequencyFactors(source, headSize: gguf.headDim).map {
            Architecture.RopeScaling.frequencyFactors($0)
        }
        var architecture = Architecture.llama(
            epsilon: Float(gguf.rmsNormEpsilon), kvHeads: gguf.keyValueHeads, theta: Float(gguf.ropeTheta),
            scaling: scaling, tiedHead: gguf.tiedEmbeddings)
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

    /// The divisors of the `rope_freqs` tensor, checked: D/2 of them, each finite and positive; nil without one.
    private static func ropeFrequencyFactors(_ source: GGUFTensorSource, headSize: Int) throws -> [Float]? {
        let name = "rope_freqs.weight"
        guard let shape = source.shape(of: name) else { return nil }
        guard shape == [headSize / 2] else {
            throw GGUFError.wrongShape(
                file: source.fileName, tensor: name, shape: shape,
                reason: "expected [\(headSize / 2)], one rotary scaling factor per frequency of a head of "
                    + "\(headSize)")
        }
        var factors = [Float](repeating: 0, count: headSize / 2)
        try factors.withUnsafeMutableBufferPointer { try source.copyFloats(name, into: $0.baseAddress!) }
        if let bad = factors.firstIndex(where: { !$0.isFinite || $0 <= 0 }) {
            throw GGUFError.invalidTensorValue(
                file: source.fileName, tensor: name, index: bad, value: factors[bad],
                expected: "a finite positive rotary scaling factor")
        }
        return factors
    }
}
