import Model

/// Hugging Face GPT2LMHeadModel / GPT2ForSequenceClassification: Conv1D weights stored [in, out], transposed here.
struct HuggingFaceNames: TensorNames {
    var prefix: String
    var tokenEmbedding: String { prefix + "wte.weight" }
    var positionEmbedding: String? { prefix + "wpe.weight" }
    var finalGain: String { prefix + "ln_f.weight" }
    var finalBias: String? { prefix + "ln_f.bias" }
    func head(classifier: Bool) -> String { classifier ? "score.weight" : "lm_head.weight" }
    func layerMarker(_ l: Int) -> String { "\(prefix)h.\(l).ln_1.weight" }
    func mlpMarker(_ l: Int) -> String { "\(prefix)h.\(l).mlp.c_fc.weight" }
    func innerWidth(_ s: [Int]) -> Int { s.count == 2 ? s[1] : 0 }
    func qkvBias(_ l: Int, part: Int) -> String { "\(prefix)h.\(l).attn.c_attn.bias" }
    func isBuffer(_ name: String) -> Bool { name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") }

    func layer(_ l: Int, config: GPTConfig, storage: WeightStorage) throws -> DecoderLayer {
        let p = "\(prefix)h.\(l).", c = config.nEmbd, f = config.nInner
        return DecoderLayer(
            attentionNorm: NormWeights(gain: try storage.floats(p + "ln_1.weight", shape: [c]),
                                       bias: try storage.floats(p + "ln_1.bias", shape: [c])),
            attention: AttentionWeights(
                qkv: try storage.matrix(p + "attn.c_attn.weight", shape: [3 * c, c], transposed: true),
                qkvBias: try storage.floats(p + "attn.c_attn.bias", shape: [3 * c]),
                output: try storage.matrix(p + "attn.c_proj.weight", shape: [c, c], transposed: true),
                outputBias: try storage.floats(p + "attn.c_proj.bias", shape: [c])),
            mlpNorm: NormWeights(gain: try storage.floats(p + "ln_2.weight", shape: [c]),
                                 bias: try storage.floats(p + "ln_2.bias", shape: [c])),
            mlp: MLPWeights(
                up: try storage.matrix(p + "mlp.c_fc.weight", shape: [f, c], transposed: true),
                upBias: try storage.floats(p + "mlp.c_fc.bias", shape: [f]),
                down: try storage.matrix(p + "mlp.c_proj.weight", shape: [c, f], transposed: true),
                downBias: try storage.floats(p + "mlp.c_proj.bias", shape: [c])))
    }
}
