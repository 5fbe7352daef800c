import Model

/// The book package's Llama3Model and Qwen3Model state dicts: nn.Linear weights [out, in]; Q, K, V stacked at load,
/// and fc1 (gate) with fc2 (up) into SwiGLU's one [2F, C] matrix.
///
/// Llama3Model's norms are `nn.RMSNorm` (gain `weight`), Qwen3Model's the book's own RMSNorm (gain `scale`).
struct BookDecoderNames: TensorNames {
    /// "weight" (Llama3Model) or "scale" (Qwen3Model).
    var gain: String

    /// The names of the book decoder in `source`: Qwen3Model's when its first norm has a `scale`.
    init(in source: TensorSource) {
        gain = source.shape(of: "trf_blocks.0.norm1.scale") != nil ? "scale" : "weight"
    }

    var tokenEmbedding: String { "tok_emb.weight" }
    var positionEmbedding: String? { nil }
    var finalGain: String { "final_norm.\(gain)" }
    var finalBias: String? { nil }
    func head(classifier: Bool) -> String { "out_head.weight" }
    func layerMarker(_ l: Int) -> String { "trf_blocks.\(l).norm1.\(gain)" }
    func mlpMarker(_ l: Int) -> String { "trf_blocks.\(l).ff.fc1.weight" }
    func innerWidth(_ s: [Int]) -> Int { s.first ?? 0 }
    func qkvBias(_ l: Int, part: Int) -> String {
        "trf_blocks.\(l).att.\(["W_query", "W_key", "W_value"][part]).bias"
    }
    func isBuffer(_ name: String) -> Bool { false }

    func layer(_ l: Int, config: GPTConfig, storage: WeightStorage) throws -> DecoderLayer {
        let p = "trf_blocks.\(l).", c = config.nEmbd, f = config.nInner, d = config.headSize
        let q = config.queryChannels, k = config.kvChannels
        let qkv = [("W_query", q), ("W_key", k), ("W_value", k)]
            .map { (name: p + "att.\($0.0).weight", shape: [$0.1, c]) }
        let qkNorm = config.architecture.qkNorm
        return DecoderLayer(
            attentionNorm: NormWeights(gain: try storage.floats(p + "norm1.\(gain)", shape: [c]), bias: nil),
            attention: AttentionWeights(
                qkv: try storage.concatenatedMatrix(qkv), qkvBias: nil,
                output: try storage.matrix(p + "att.out_proj.weight", shape: [c, q]), outputBias: nil,
                queryNorm: qkNorm ? try storage.floats(p + "att.q_norm.\(gain)", shape: [d]) : nil,
                keyNorm: qkNorm ? try storage.floats(p + "att.k_norm.\(gain)", shape: [d]) : nil),
            mlpNorm: NormWeights(gain: try storage.floats(p + "norm2.\(gain)", shape: [c]), bias: nil),
            mlp: MLPWeights(
                up: try storage.concatenatedMatrix([(p + "ff.fc1.weight", [f, c]), (p + "ff.fc2.weight", [f, c])]),
                upBias: nil, down: try storage.matrix(p + "ff.fc3.weight", shape: [c, f]), downBias: nil))
    }
}
