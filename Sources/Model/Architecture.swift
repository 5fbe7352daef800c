/// What makes a decoder-only transformer one family or another, apart from its sizes (those are `GPTConfig`'s).
///
/// Every family runs the same layer loop, `x = x + attention(norm(x)); x = x + mlp(norm(x))`; each choice here picks
/// how one block of it computes, and the loader reads the weights that choice needs. `gpt2` is GPT-2 (and the book's
/// GPTModel: an optional QKV bias, an untied head); `llama` is Llama 3, SmolLM2, Qwen2 (with a QKV bias) and Qwen3
/// (with `qkNorm`).
public struct Architecture: Equatable, Sendable {
    /// How activations are normalised before attention, before the MLP and before the head.
    public enum Norm: Equatable, Sendable {
        /// (x - mean) / sqrt(var + eps) * gain + bias, eps from `GPTConfig.layerNormEpsilon`.
        case layerNorm
        /// x / sqrt(mean(x^2) + eps) * gain: no mean, no bias.
        case rmsNorm(epsilon: Float)
    }

    /// How query heads share key/value heads.
    public enum Attention: Equatable, Sendable {
        /// Every one of the H query heads has its own key and value head.
        case multiHead
        /// Grouped-query attention: H / kvHeads consecutive query heads share one key/value head, so the KV cache
        /// holds kvHeads heads.
        case grouped(kvHeads: Int)
    }

    /// How a token learns where it sits in the sequence.
    public enum Positions: Equatable, Sendable {
        /// A learned [P, C] table added to the token embedding (`wpe`).
        case learned
        /// Rotary embeddings on queries and keys (Hugging Face's rotate-half layout: dimension i pairs with
        /// i + D/2), with base frequency `theta` and optionally Llama 3's frequency scaling.
        case rotary(theta: Float, scaling: RopeScaling?)
    }

    /// Llama 3's rescaling of the rotary frequencies, as a formula or as the factors it gives.
    ///
    /// Both say the same thing: Hugging Face configs and the book give the formula, GGUF files the D/2 factors
    /// convert_hf_to_gguf.py computed from it (the `rope_freqs` tensor).
    public enum RopeScaling: Equatable, Sendable {
        /// `rope_scaling` with rope_type "llama3": wavelengths longer than originalContext/lowFrequencyFactor are
        /// divided by `factor`, shorter than originalContext/highFrequencyFactor kept, and those in between blended.
        case llama3(factor: Float, lowFrequencyFactor: Float, highFrequencyFactor: Float, originalContext: Int)
        /// One divisor per rotary frequency (D/2 of them, finite and positive): frequency i is
        /// theta^(-2i/D) / factors[i], as llama.cpp applies a `rope_freqs` tensor.
        case frequencyFactors([Float])
    }

    /// The MLP between the two residual adds.
    public enum MLP: Equatable, Sendable {
        /// down(gelu(up(x))), GELU in its tanh approximation.
        case gelu
        /// down(silu(gate(x)) * up(x)).
        case swiGLU
    }

    public var norm: Norm
    public var attention: Attention
    public var positions: Positions
    public var mlp: MLP
    /// Whether the query/key/value projection has a bias (always in Hugging Face GPT-2 and Qwen2; optional in the
    /// book; never in Llama and Qwen3).
    public var qkvBias: Bool
    /// Whether the output head is the token embedding (GPT-2's tied weights) rather than a matrix of its own.
    public var tiedHead: Bool
    /// Whether each head's queries and keys are RMS-normalised (gain [D]) before the rotary embedding (Qwen3).
    public var qkNorm: Bool

    public init(norm: Norm, attention: Attention, positions: Positions, mlp: MLP, qkvBias: Bool, tiedHead: Bool,
                qkNorm: Bool = false) {
        self.norm = norm; self.attention = attention; self.positions = positions; self.mlp = mlp
        self.qkvBias = qkvBias; self.tiedHead = tiedHead; self.qkNorm = qkNorm
    }

    /// GPT-2: LayerNorm, multi-head attention, learned positions, a GELU MLP, a bias on every linear layer, the head
    /// tied to `wte`.
    public static let gpt2 = Architecture(norm: .layerNorm, attention: .multiHead, positions: .learned, mlp: .gelu,
                                          qkvBias: true, tiedHead: true)

    /// Llama 3: RMSNorm, grouped-query attention, rotary positions, a SwiGLU MLP, no biases; the head tied or not
    /// per checkpoint.
    public static func llama(epsilon: Float, kvHeads: Int, theta: Float, scaling: RopeScaling? = nil,
                             tiedHead: Bool) -> Architecture {
        Architecture(norm: .rmsNorm(epsilon: epsilon), attention: .grouped(kvHeads: kvHeads),
                     positions: .rotary(theta: theta, scaling: scaling), mlp: .swiGLU, qkvBias: false,
                     tiedHead: tiedHead)
    }
}
