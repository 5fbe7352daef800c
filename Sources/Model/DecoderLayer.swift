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

/// A norm's gain and bias, [C] each; RMSNorm has no bias.
public struct NormWeights {
    public var gain: UnsafePointer<Float>
    public var bias: UnsafePointer<Float>?

    public init(gain: UnsafePointer<Float>, bias: UnsafePointer<Float>?) { self.gain = gain; self.bias = bias }
}

/// Self-attention: the fused query/key/value projection and the output projection.
///
/// With Q = H * D queries and K = kvHeads * D keys (Q = K = C for GPT-2), the projection's rows 0..<Q make the
/// queries, Q..<Q+K the keys and Q+K..<Q+2K the values.
public struct AttentionWeights {
    public var qkv: LinearWeight                  // [Q + 2K, C]
    public var qkvBias: UnsafePointer<Float>?     // [Q + 2K]
    public var output: LinearWeight               // [C, Q]
    public var outputBias: UnsafePointer<Float>?  // [C]
    /// Qwen3's RMSNorm gains over each head's queries and keys, [D] each.
    public var queryNorm: UnsafePointer<Float>?
    public var keyNorm: UnsafePointer<Float>?

    public init(qkv: LinearWeight, qkvBias: UnsafePointer<Float>?, output: LinearWeight,
                outputBias: UnsafePointer<Float>?, queryNorm: UnsafePointer<Float>? = nil,
                keyNorm: UnsafePointer<Float>? = nil) {
        self.qkv = qkv; self.qkvBias = qkvBias; self.output = output; self.outputBias = outputBias
        self.queryNorm = queryNorm; self.keyNorm = keyNorm
    }
}

/// The MLP: up to the hidden width F, the activation, down to C.
///
/// For SwiGLU, `up` is the gate and up projections stacked, [2F, C]: one product makes both.
public struct MLPWeights {
    public var up: LinearWeight                // [F, C], or [2F, C] for SwiGLU

    public var upBias: UnsafePointer<Float>?   // [F]
    public var down: LinearWeight              // [C, F]
    public var downBias: UnsafePointer<Float>? // [C]

    public init(up: LinearWeight, upBias: UnsafePointer<Float>?, down: LinearWeight, downBias: UnsafePointer<Float>?) {
        self.up = up; self.upBias = upBias; self.down = down; self.downBias = downBias
    }
}
