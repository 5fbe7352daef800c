import Tokenizer

extension BPETokenizer {
    /// The tokens every prompt begins with: BOS where the model's tokenizer adds one (Llama 3), else none (GPT-2,
    /// Qwen2, SmolLM2). Prompt windows count them.
    public var promptStart: [Int] {
        guard roles.addsBOS, let bos = roles.bos else { return [] }
        return [bos]
    }

    /// A prompt's tokens: `promptStart`, then the text, in which special-token text (typed by a user, or in a
    /// document) is encoded as ordinary text.
    public func promptTokens(_ text: String) -> [Int] {
        promptStart + encode(text)
    }

    /// The tokens after which the model has finished: its end tokens (`roles.endTokens`) and the end-of-text and
    /// end-of-turn tokens the families name alike, where the vocabulary has them. A base model's files name only its
    /// end of text, while its instruct sibling, sharing the vocabulary, ends turns with `<|eot_id|>` or
    /// `<|im_end|>`; control tokens are never text, so stopping on them loses nothing. A model with
    /// fill-in-the-middle tokens also ends on its layout's ends (`FIMFormat.ends`: `<|fim_pad|>`, `<|file_sep|>`…).
    public var stopTokens: Set<Int> {
        let named = ["<|endoftext|>", "<|end_of_text|>", "<|eot_id|>", "<|eom_id|>", "<|im_end|>"]
        let fim = FIMFormat.recognised(in: self)?.tokens(in: self)?.ends ?? []
        return roles.endTokens.union(named.compactMap { id(forSpecial: $0) }).union(fim)
    }
}
