/// What makes a decoder-only transformer one family or another, apart from its sizes (those are `GPTConfig`'s).
///
/// Every family runs the same layer loop, `x = x + attention(norm(x)); x = x + mlp(norm(x))`; each choice here picks
/// how one block of it computes, and the loader reads the weights that choice needs. Only GPT-2's choices exist so
/// far (`gpt2`), the book's GPTModel included (an optional QKV bias, an untied head).
public struct Architecture: Equatable, Sendable {
    /// How activations are normalised before attention, before the MLP and before the head.
    public enum Norm: Equatable, Sendable {
        /// (x - mean) / sqrt(var + eps) * gain + bias.
        case layerNorm
    }

    /// How query heads share key/value heads.
    public enum Attention: Equatable, Sendable {
        /// Every one of the H query heads has its own key and value head.
        case multiHead
    }

    /// How a token learns where it sits in the sequence.
    public enum Positions: Equatable, Sendable {
        /// A learned [P, C] table added to the token embedding (`wpe`).
        case learned
    }

    /// The MLP between the two residual adds.
    public enum MLP: Equatable, Sendable {
        /// down(gelu(up(x))), GELU in its tanh approximation.
        case gelu
    }

    public var norm: Norm
    public var attention: Attention
    public var positions: Positions
    public var mlp: MLP
    /// Whether the query/key/value projection has a bias (always in Hugging Face GPT-2; optional in the book).
    public var qkvBias: Bool
    /// Whether the output head is the token embedding (GPT-2's tied weights) rather than a matrix of its own.
    public var tiedHead: Bool

    public init(norm: Norm, attention: Attention, positions: Positions, mlp: MLP, qkvBias: Bool, tiedHead: Bool) {
        self.norm = norm; self.attention = attention; self.positions = positions; self.mlp = mlp
        self.qkvBias = qkvBias; self.tiedHead = tiedHead
    }

    /// GPT-2: LayerNorm, multi-head attention, learned positions, a GELU MLP, a bias on every linear layer, the head
    /// tied to `wte`.
    public static let gpt2 = Architecture(norm: .layerNorm, attention: .multiHead, positions: .learned, mlp: .gelu,
                                          qkvBias: true, tiedHead: true)
}
