import Model

/// The book's GPTModel state dict: nn.Linear weights [out, in] used in place; Q, K, V concatenated at load.
struct BookNames: TensorNames {
    var tokenEmbedding: String { "tok_emb.weight" }
    var positionEmbedding: String? { "pos_emb.weight" }
    var finalGain: String { "final_norm.scale" }
    var finalBias: String? { "final_norm.shift" }
    func head(classifier: Bool) -> String { "out_head.weight" }
    func layerMarker(_ l: Int) -> String { "trf_blocks.\(l).norm1.scale" }
    func mlpMarker(_ l: Int) -> String { "trf_blocks.\(l).ff.layers.0.weight" }
    func innerWidth(_ s: [Int]) -> Int { s.first ?? 0 }
    func qkvBias(_ l: Int, part: Int) -> String {
        "trf_blocks.\(l).att.\(["W_query", "W_key", "W_value"][part]).bias"
    }
    func isBuffer(_ name: String) -> Bool { name.hasSuffix(".att.mask") }

    func layer(_ l: Int, config: GPTConfig, storage: WeightStorage) throws -> DecoderLayer {
        let p = "trf_blocks.\(l).", c = config.nEmbd, f = config.nInner
        let qkv = ["W_query", "W_key", "W_value"].map { (name: p + "att.\($0).weight", shape: [c, c]) }
        let qkvBias = config.architecture.qkvBias
            ? try storage.concatenated((0..<3).map { (name: self.qkvBias(l, part: $0), shape: [c]) }) : nil
        return DecoderLayer(
            attentionNorm: NormWeights(gain: try storage.floats(p + "norm1.scale", shape: [c]),
                                       bias: try storage.floats(p + "norm1.shift", shape: [c])),
            attention: AttentionWeights(
                qkv: try storage.concatenatedMatrix(qkv),
                qkvBias: qkvBias,
                output: try storage.matrix(p + "att.out_proj.weight", shape: [c, c]),
                outputBias: try storage.floats(p + "att.out_proj.bias", shape: [c])),
            mlpNorm: NormWeights(gain: try storage.floats(p + "norm2.scale", shape: [c]),
                                 bias: try storage.floats(p + "norm2.shift", shape: [c])),
            mlp: MLPWeights(
                up: try storage.matrix(p + "ff.layers.0.weight", shape: [f, c]),
                upBias: try storage.floats(p + "ff.layers.0.bias", shape: [f]),
                down: try storage.matrix(p + "ff.layers.2.weight", shape: [c, f]),
                downBias: try storage.floats(p + "ff.layers.2.bias", shape: [c])))
    }
}
