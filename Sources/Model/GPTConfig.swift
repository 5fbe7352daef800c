/// The sizes of a decoder-only transformer, and its `architecture` (which blocks it is made of).
///
/// Field names follow Hugging Face's GPT-2 `config.json` (ModelFiles reads one into this).
public struct GPTConfig: Equatable, Sendable {
    public var nEmbd: Int
    public var nHead: Int
    public var nLayer: Int
    public var nPositions: Int
    public var vocabSize: Int
    public var layerNormEpsilon: Float
    /// Hidden width of the MLP; 4 * nEmbd when the config says null.
    public var nInner: Int
    public var eosTokenId: Int?
    public var padTokenId: Int?
    public var architecture: Architecture
    /// D, the width of one head, where the config sets it apart from the width (Qwen3's head_dim).
    public var headDim: Int?

    /// D: `headDim`, or C / H.
    public var headSize: Int { headDim ?? nEmbd / nHead }
    /// The key/value heads: H, or fewer with grouped-query attention.
    public var kvHeads: Int {
        if case .grouped(let kv) = architecture.attention { return kv }
        return nHead
    }
    /// Width of one token's keys (or values) in the KV cache: kvHeads * D.
    public var kvChannels: Int { kvHeads * headSize }
    /// Width of one token's queries and of the attention output: H * D (C unless `headDim` says otherwise).
    public var queryChannels: Int { nHead * headSize }

    public init(nEmbd: Int = 768, nHead: Int = 12, nLayer: Int = 12, nPositions: Int = 1024, vocabSize: Int = 50257,
                layerNormEpsilon: Float = 1e-5, nInner: Int? = nil, eosTokenId: Int? = 50256, padTokenId: Int? = nil,
                architecture: Architecture = .gpt2, headDim: Int? = nil) {
        self.nEmbd = nEmbd; self.nHead = nHead; self.nLayer = nLayer; self.nPositions = nPositions
        self.vocabSize = vocabSize; self.layerNormEpsilon = layerNormEpsilon; self.nInner = nInner ?? 4 * nEmbd
        self.eosTokenId = eosTokenId; self.padTokenId = padTokenId; self.architecture = architecture
        self.headDim = headDim
    }

    /// Checks that the sizes make a model: all positive, the width a multiple of the head count (unless `headDim`
    /// is given), the query heads a multiple of the key/value heads, an even head size for rotary positions and
    /// one finite positive factor per rotary frequency where the scaling lists them.
    /// `file` names where the configuration came from, for the message.
    public func validate(file: String) throws {
        for (name, v) in [("n_embd", nEmbd), ("n_head", nHead), ("n_layer", nLayer), ("n_positions", nPositions),
                          ("vocab_size", vocabSize), ("n_inner", nInner)] where v <= 0 {
            throw GPTError.invalidConfiguration(file: file, reason: "\(name) is \(v), expected a positive integer")
        }
        if let headDim, headDim <= 0 {
            throw GPTError.invalidConfiguration(
                file: file, reason: "head_dim is \(headDim), expected a positive integer")
        }
        if case .rotary = architecture.positions, headSize % 2 != 0 {
            throw GPTError.invalidConfiguration(
                file: file, reason: "the head size is \(headSize), expected an even size for rotary positions")
        }
        if case .rotary(_, .frequencyFactors(let factors)?) = architecture.positions {
            if factors.count != headSize / 2 {
                throw GPTError.invalidConfiguration(
                    file: file, reason: "the rotary scaling has \(factors.count) frequency factors, expected "
                        + "\(headSize / 2) (half the head size \(headSize))")
            }
            if let bad = factors.firstIndex(where: { !$0.isFinite || $0 <= 0 }) {
                throw GPTError.invalidConfiguration(
                    file: file, reason: "rotary frequency factor \(bad) is \(factors[bad]), expected a finite "
                        + "positive number")
            }
        }
        if kvHeads <= 0 || nHead % kvHeads != 0 {
            throw GPTError.invalidConfiguration(
                file: file, reason: "num_key_value_heads \(kvHeads) does not divide num_attention_heads \(nHead)")
        }
        if headDim == nil, nEmbd % nHead != 0 {
            throw GPTError.invalidConfiguration(
                file: file, reason: "n_embd \(nEmbd) is not divisible by n_head \(nHead)")
        }
    }
}
