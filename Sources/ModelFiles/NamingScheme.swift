/// The tensor names a file uses, detected from the names themselves.
public enum NamingScheme: String, Sendable {
    case huggingFaceLanguageModel = "Hugging Face GPT2LMHeadModel"
    case huggingFaceClassifier = "Hugging Face GPT2ForSequenceClassification"
    case book = "book GPTModel"

    /// The scheme of `source`'s names: the book's `tok_emb.weight`, or Hugging Face's `wte.weight` (with or without
    /// the `transformer.` prefix; a classifier when it has `score.weight`).
    static func detect(in source: WeightsFile) throws -> NamingScheme {
        func has(_ name: String) -> Bool { source.shape(of: name) != nil }
        if has("tok_emb.weight") { return .book }
        if has("wte.weight") || has("transformer.wte.weight") {
            return has("score.weight") ? .huggingFaceClassifier : .huggingFaceLanguageModel
        }
        throw ModelFileError.unknownNamingScheme(file: source.fileName)
    }

    /// The names of this scheme in `source`.
    func names(in source: WeightsFile) -> TensorNames {
        switch self {
        case .book: return BookNames()
        case .huggingFaceLanguageModel, .huggingFaceClassifier:
            return HuggingFaceNames(prefix: source.shape(of: "transformer.wte.weight") != nil ? "transformer." : "")
        }
    }
}
