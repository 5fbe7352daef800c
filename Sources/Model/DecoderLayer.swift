import Kernels

/// The weights of one layer of the loop `x = x + attention(attentionNorm(x)); x = x + mlp(mlpNorm(x))`.
///
/// Matrices are [out, in] (`nn.Linear`'s layout) in the model's `WeightFormat`; vectors are fp32. A name scheme in
/// ModelFiles fills these from a file's tensors; the `Architecture` says how the forward pass uses them.
public struct DecoderLayer {
    public var attentionNorm: NormWeights
    public var attention: AttentionWeights
    public var mlpNorm: NormWeights
    public var mlp: MLPWeights

    public init(attentionNorm: NormWeights, attention: AttentionWeights, mlpNorm: NormWeights, mlp: MLPWeights) {
        self.attentionNorm = attentionNorm; self.attention = attention; self.mlpNorm = mlpNorm; self.mlp = mlp
    }
}

/// A norm's gain and bias, [C] each.
public struct NormWeights {
    public var gain: UnsafePointer<Float>
    public var bias: UnsafePointer<Float>

    public init(gain: UnsafePointer<Float>, bias: UnsafePointer<Float>) { self.gain = gain; self.bias = bias }
}

/// Self-attention: the fused query/key/value projection and the output projection.
public struct AttentionWeights {
    /// [3C, C]: rows 0..<C make the queries, C..<2C the keys, 2C..<3C the values.
    public var qkv: LinearWeight
    public var qkvBias: UnsafePointer<Float>?     // [3C]
    public var output: LinearWeight               // [C, C]
    public var outputBias: UnsafePointer<Float>?  // [C]

    public init(qkv: LinearWeight, qkvBias: UnsafePointer<Float>?, output: LinearWeight,
                outputBias: UnsafePointer<Float>?) {
        self.qkv = qkv; self.qkvBias = qkvBias; self.output = output; self.outputBias = outputBias
    }
}

/// The MLP: up to the hidden width F, the activation, down to C.
public struct MLPWeights {
    public var up: LinearWeight                // [F, C]
    public var upBias: UnsafePointer<Float>?   // [F]
    public var down: LinearWeight              // [C, F]
    public var downBias: UnsafePointer<Float>? // [C]

    public init(up: LinearWeight, upBias: UnsafePointer<Float>?, down: LinearWeight, downBias: UnsafePointer<Float>?) {
        self.up = up; self.upBias = upBias; self.down = down; self.downBias = downBias
    }
}
