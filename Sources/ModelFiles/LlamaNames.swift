import Model

/// Hugging Face LlamaForCausalLM / Qwen2ForCausalLM / Qwen3ForCausalLM: `nn.Linear` weights stored [out, in].
///
/// The query, key and value projections are stacked into the model's one QKV matrix (and their biases into one
/// vector), the gate and up projections into SwiGLU's one [2F, C] matrix, so each is still one matrix product.
struct LlamaNames: TensorNames {
    var tokenEmbedding: String { "model.embed_tokens.weight" }
    var positionEmbedding: String? { nil }
    var finalGain: String { "model.norm.weight" }
    var finalBias: String? { nil }
    func head(classifier: Bool) -> String { "lm_head.weight" }
    func layerMarker(_ l: Int) -> String { "model.layers.\(l).input_layernorm.weight" }
    func mlpMarker(_ l: Int) -> String { "model.layers.\(l).mlp.up_proj.weight" }
    func innerWidth(_ s: [Int]) -> Int { s.count == 2 ? s[0] : 0 }
    func qkvBias(_ l: Int, part: Int) -> String {
        "model.layers.\(l).self_attn.\(["q", "k", "v"][part])_proj.bias"
    }
    /// Rotary frequencies (Hugging Face's inv_freq, a GGUF file's rope_freqs) are derived, not learned.
    func isBuffer(_ name: String) -> Bool { name.hasSuffix("rotary_emb.inv_freq") || name == "rope_freqs.weight" }

    func layer(_ l: Int, config: GPTConfig, storage: WeightStorage) throws -> DecoderLayer {
        let p = "model.layers.\(l).", a = p + "self_attn.", c = config.nEmbd, f = config.nInner
        let q = config.queryChannels, k = config.kvChannels, d = config.headSize
        let architecture = config.architecture
        let projections = [(a + "q_proj", q), (a + "k_proj", k), (a + "v_proj", k)]
        if !architecture.qkvBias, storage.contains(a + "q_proj.bias") {
            throw GPTError.invalidConfiguration(
                file: storage.fileName, reason: "tensor \(a)q_proj.bias is present but the configuration has no "
                    + "attention bias (a Qwen2 model needs architectures Qwen2ForCausalLM)")
        }
        if !architecture.qkNorm, storage.contains(a + "q_norm.weight") {
            throw GPTError.invalidConfiguration(
                file: storage.fileName, reason: "tensor \(a)q_norm.weight is present but the configuration has no "
                    + "QK norm (a Qwen3 model needs architectures Qwen3ForCausalLM)")
        }
        return DecoderLayer(
            attentionNorm: NormWeights(gain: try storage.floats(p + "input_layernorm.weight", shape: [c]), bias: nil),
            attention: AttentionWeights(
                qkv: try storage.concatenatedMatrix(projections.map { ($0.0 + ".weight", [$0.1, c]) }),
                qkvBias: architecture.qkvBias
                    ? try storage.concatenated(projections.map { ($0.0 + ".bias", [$0.1]) }) : nil,
                output: try storage.matrix(a + "o_proj.weight", shape: [c, q]),
                outputBias: storage.contains(a + "o_proj.bias")
                    ? try storage.floats(a + "o_proj.bias", shape: [c]) : nil,
                queryNorm: architecture.qkNorm ? try storage.floats(a + "q_norm.weight", shape: [d]) : nil,
                keyNorm: architecture.qkNorm ? try storage.floats(a + "k_norm.weight", shape: [d]) : nil),
            mlpNorm: NormWeights(gain: try storage.floats(p + "post_attention_layernorm.weight", shape: [c]),
                                 bias: nil),
            mlp: MLPWeights(
                up: try storage.concatenatedMatrix([(p + "mlp.gate_proj.weight", [f, c]),
                                                    (p + "mlp.up_proj.weight", [f, c])]),
                upBias: nil,
                down: try storage.matrix(p + "mlp.down_proj.weight", shape: [c, f]), downBias: nil))
    }
}
