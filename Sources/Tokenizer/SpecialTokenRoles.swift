/// Which special tokens a model uses to begin and end text, as its vocabulary files say.
///
/// Filled from `tokenizer_config.json` (`bos_token`, `eos_token`, `pad_token`, `add_bos_token`, `add_eos_token`) and
/// `tokenizer.json`'s post-processor, from GGUF's `tokenizer.ggml.*_token_id` keys, or from what a family is known to
/// use (Llama 3's rank file has no special tokens at all). A vocabulary with only `<|endoftext|>` (GPT-2) ends text
/// with it and begins none.
public struct SpecialTokenRoles: Sendable, Equatable {
    /// Beginning of text (`<|begin_of_text|>`).
    public var bos: Int?
    /// End of text (`<|endoftext|>`, `<|end_of_text|>`).
    public var eos: Int?
    /// End of turn in a chat (`<|eot_id|>`, Qwen's `<|im_end|>` where a GGUF names it).
    public var eot: Int?
    /// End of message before a tool call (Llama 3.1's `<|eom_id|>`).
    public var eom: Int?
    /// Padding.
    public var padding: Int?
    /// Whether encoding a prompt puts `bos` first (Llama 3: yes; Qwen2, SmolLM2 and GPT-2: no).
    public var addsBOS = false
    /// Whether encoding puts `eos` last (rare; never for a prompt that is to be continued).
    public var addsEOS = false

    public init(bos: Int? = nil, eos: Int? = nil, eot: Int? = nil, eom: Int? = nil, padding: Int? = nil,
                addsBOS: Bool = false, addsEOS: Bool = false) {
        self.bos = bos
        self.eos = eos
        self.eot = eot
        self.eom = eom
        self.padding = padding
        self.addsBOS = addsBOS
        self.addsEOS = addsEOS
    }

    /// The tokens after which a model has finished: `eos`, `eot` and `eom`, those that are set.
    public var endTokens: Set<Int> { Set([eos, eot, eom].compactMap { $0 }) }
}
