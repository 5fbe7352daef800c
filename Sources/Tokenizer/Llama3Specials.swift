/// The special tokens of Llama 3, which its tiktoken rank file does not list: 256 ids from 128000 on, named as in
/// Meta's Llama 3.1 and 3.2 `tokenizer.json`.
enum Llama3Specials {
    /// The first special id: the rank file has this many ranks.
    static let firstID = 128_000

    static let named: [String: Int] = [
        "<|begin_of_text|>": 128_000, "<|end_of_text|>": 128_001, "<|reserved_special_token_0|>": 128_002,
        "<|reserved_special_token_1|>": 128_003, "<|finetune_right_pad_id|>": 128_004,
        "<|reserved_special_token_2|>": 128_005, "<|start_header_id|>": 128_006, "<|end_header_id|>": 128_007,
        "<|eom_id|>": 128_008, "<|eot_id|>": 128_009, "<|python_tag|>": 128_010,
    ]

    /// All 256: the named ones, then `<|reserved_special_token_3|>` (128011) to `<|reserved_special_token_247|>`.
    static let all: [String: Int] = {
        var all = named
        for index in 0..<245 { all["<|reserved_special_token_\(index + 3)|>"] = 128_011 + index }
        return all
    }()

    /// Llama 3 puts `<|begin_of_text|>` first; a base model ends with `<|end_of_text|>`, an instruct model's turn with
    /// `<|eot_id|>` (`<|eom_id|>` before a tool call).
    static let roles = SpecialTokenRoles(bos: 128_000, eos: 128_001, eot: 128_009, eom: 128_008, addsBOS: true)
}
