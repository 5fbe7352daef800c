/// Checkpoint names of one naming scheme, mapped to the model's fields in one place per scheme.
protocol TensorNames {
    var tokenEmbedding: String { get }
    var positionEmbedding: String { get }
    var finalGain: String { get }
    var finalBias: String { get }
    func head(classifier: Bool) -> String
    func layerMarker(_ l: Int) -> String
    func mlpMarker(_ l: Int) -> String
    func innerWidth(_ mlpShape: [Int]) -> Int
    func qkvBias(_ l: Int, part: Int) -> String
    func isBuffer(_ name: String) -> Bool
    func layer(_ l: Int, config: GPTConfig, storage: WeightStorage) throws -> GPTModel.Layer
}

/// Hugging Face GPT2LMHeadModel / GPT2ForSequenceClassification: Conv1D weights stored [in, out], transposed here.
struct HuggingFaceNames: TensorNames {
    var prefix: String
    var tokenEmbedding: String { prefix + "wte.weight" }
    var positionEmbedding: String { prefix + "wpe.weight" }
    var finalGain: String { prefix + "ln_f.weight" }
    var finalBias: String { prefix + "ln_f.bias" }
    func head(classifier: Bool) -> String { classifier ? "score.weight" : "lm_head.weight" }
    func layerMarker(_ l: Int) -> String { "\(prefix)h.\(l).ln_1.weight" }
    func mlpMarker(_ l: Int) -> String { "\(prefix)h.\(l).mlp.c_fc.weight" }
    func innerWidth(_ s: [Int]) -> Int { s.count == 2 ? s[1] : 0 }
    func qkvBias(_ l: Int, part: Int) -> String { "\(prefix)h.\(l).attn.c_attn.bias" }
    func isBuffer(_ name: String) -> Bool { name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") }

    func layer(_ l: Int, config: GPTConfig, storage: WeightStorage) throws -> GPTModel.Layer {
        let p = "\(prefix)h.\(l).", c = config.nEmbd, f = config.nInner
        return GPTModel.Layer(
            ln1Gain: try storage.floats(p + "ln_1.weight", shape: [c]),
            ln1Bias: try storage.floats(p + "ln_1.bias", shape: [c]),
            qkvWeight: try storage.matrix(p + "attn.c_attn.weight", shape: [3 * c, c], transposed: true),
            qkvBias: try storage.floats(p + "attn.c_attn.bias", shape: [3 * c]),
            projWeight: try storage.matrix(p + "attn.c_proj.weight", shape: [c, c], transposed: true),
            projBias: try storage.floats(p + "attn.c_proj.bias", shape: [c]),
            ln2Gain: try storage.floats(p + "ln_2.weight", shape: [c]),
            ln2Bias: try storage.floats(p + "ln_2.bias", shape: [c]),
            fcWeight: try storage.matrix(p + "mlp.c_fc.weight", shape: [f, c], transposed: true),
            fcBias: try storage.floats(p + "mlp.c_fc.bias", shape: [f]),
            outWeight: try storage.matrix(p + "mlp.c_proj.weight", shape: [c, f], transposed: true),
            outBias: try storage.floats(p + "mlp.c_proj.bias", shape: [c]))
    }
}

/// The book's GPTModel state dict: nn.Linear weights [out, in] used in place; Q, K, V concatenated at load.
struct BookNames: TensorNames {
    var tokenEmbedding: String { "tok_emb.weight" }
    var positionEmbedding: String { "pos_emb.weight" }
    var finalGain: String { "final_norm.scale" }
    var finalBias: String { "final_norm.shift" }
    func head(classifier: Bool) -> String { "out_head.weight" }
    func layerMarker(_ l: Int) -> String { "trf_blocks.\(l).norm1.scale" }
    func mlpMarker(_ l: Int) -> String { "trf_blocks.\(l).ff.layers.0.weight" }
    func innerWidth(_ s: [Int]) -> Int { s.first ?? 0 }
    func qkvBias(_ l: Int, part: Int) -> String {
        "trf_blocks.\(l).att.\(["W_query", "W_key", "W_value"][part]).bias"
    }
    func isBuffer(_ name: String) -> Bool { name.hasSuffix(".att.mask") }

    func layer(_ l: Int, config: GPTConfig, storage: WeightStorage) throws -> GPTModel.Layer {
        let p = "trf_blocks.\(l).", c = config.nEmbd, f = config.nInner
        let qkv = ["W_query", "W_key", "W_value"].map { (name: p + "att.\($0).weight", shape: [c, c]) }
        let bias = config.qkvBias
            ? try storage.concatenated((0..<3).map { (name: qkvBias(l, part: $0), shape: [c]) }) : nil
        return GPTModel.Layer(
            ln1Gain: try storage.floats(p + "norm1.scale", shape: [c]),
            ln1Bias: try storage.floats(p + "norm1.shift", shape: [c]),
            qkvWeight: try storage.concatenatedMatrix(qkv),
            qkvBias: bias,
            projWeight: try storage.matrix(p + "att.out_proj.weight", shape: [c, c]),
            projBias: try storage.floats(p + "att.out_proj.bias", shape: [c]),
            ln2Gain: try storage.floats(p + "norm2.scale", shape: [c]),
            ln2Bias: try storage.floats(p + "norm2.shift", shape: [c]),
            fcWeight: try storage.matrix(p + "ff.layers.0.weight", shape: [f, c]),
            fcBias: try storage.floats(p + "ff.layers.0.bias", shape: [f]),
            outWeight: try storage.matrix(p + "ff.layers.2.weight", shape: [c, f]),
            outBias: try storage.floats(p + "ff.layers.2.bias", shape: [c]))
    }
}
