import Model

/// The tensor names a file uses, detected from the names themselves.
public enum NamingScheme: String, Sendable {
    case huggingFaceLanguageModel = "Hugging Face GPT2LMHeadModel"
    case huggingFaceClassifier = "Hugging Face GPT2ForSequenceClassification"
    case book = "book GPTModel"
    case huggingFaceDecoder = "Hugging Face Llama/Qwen decoder"
    case bookDecoder = "book Llama3Model/Qwen3Model"

    /// The scheme of `source`'s names: the book's `tok_emb.weight`, Hugging Face Llama/Qwen's
    /// `model.embed_tokens.weight`, or Hugging Face GPT-2's `wte.weight` (with or without the `transformer.` prefix;
    /// a classifier when it has `score.weight`).
    static func detect(in source: TensorSource) throws -> NamingScheme {
        func has(_ name: String) -> Bool { source.shape(of: name) != nil }
        if has("tok_emb.weight") { return has("trf_blocks.0.ff.fc1.weight") ? .bookDecoder : .book }
        if has("model.embed_tokens.weight") { return .huggingFaceDecoder }
        if has("wte.weight") || has("transformer.wte.weight") {
            return has("score.weight") ? .huggingFaceClassifier : .huggingFaceLanguageModel
        }
        throw ModelFileError.unknownNamingScheme(file: source.fileName)
    }

    /// The names of this scheme in `source`.
    func names(in source: TensorSource) -> TensorNames {
        switch self {
        case .book: return BookNames()
        case .huggingFaceDecoder: return LlamaNames()
        case .bookDecoder: return BookDecoderNames(in: source)
        case .huggingFaceLanguageModel, .huggingFaceClassifier:
            return HuggingFaceNames(prefix: source.shape(of: "transformer.wte.weight") != nil ? "transformer." : "")
        }
    }
}
