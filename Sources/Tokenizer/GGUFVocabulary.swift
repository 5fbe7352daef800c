/// The tokenizer metadata of a GGUF file (its `tokenizer.ggml.*` keys), as the GGUF reader parsed them: the input of
/// `BPETokenizer(gguf:)`. This module reads no GGUF file itself.
///
/// Only byte-level BPE (`tokenizer.ggml.model` = `"gpt2"`) is supported, with the pre-tokenizer types `gpt-2`,
/// `llama-bpe` (also `llama3`, `llama-v3`), `qwen2` (also `deepseek-r1-qwen`) and `smollm`.
public struct GGUFVocabulary: Sendable {
    /// `tokenizer.ggml.model`: `"gpt2"` for byte-level BPE.
    public var model: String
    /// `tokenizer.ggml.pre`: llama.cpp's name of the pre-tokenizer.
    public var pre: String?
    /// `tokenizer.ggml.tokens`: every token by id; ordinary tokens in GPT-2's byte-level string form, others as text.
    public var tokens: [String]
    /// `tokenizer.ggml.token_type`: llama.cpp's type of each token (1 normal, 2 unknown, 3 control, 4 user-defined,
    /// 5 unused, 6 byte). Without it, a token that is not byte-level is a control token.
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.merges`: `"left right"` in byte-level strings, by rank.
    public var merges: [String]
    /// `tokenizer.ggml.bos_token_id`, `eos_token_id`, `eot_token_id`, `eom_token_id`, `padding_token_id`.
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    public var eotTokenID: Int?
    public var eomTokenID: Int?
    public var paddingTokenID: Int?
    /// `tokenizer.ggml.add_bos_token`, `add_eos_token`. When absent, llama.cpp's default: BOS for the Llama 3 type.
    public var addBOSToken: Bool?
    public var addEOSToken: Bool?
    /// The file, named in errors.
    public var source: String

    public init(model: String, pre: String?, tokens: [String], tokenTypes: [Int32]?, merges: [String],
                bosTokenID: Int? = nil, eosTokenID: Int? = nil, eotTokenID: Int? = nil, eomTokenID: Int? = nil,
                paddingTokenID: Int? = nil, addBOSToken: Bool? = nil, addEOSToken: Bool? = nil, source: String) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.eotTokenID = eotTokenID
        self.eomTokenID = eomTokenID
        self.paddingTokenID = paddingTokenID
        self.addBOSToken = addBOSToken
        self.addEOSToken = addEOSToken
        self.source = source
    }

    /// llama.cpp's token types.
    enum TokenType: Int32 {
        case normal = 1, unknown, control, userDefined, unused, byte
    }
}
