/// What went wrong while loading a vocabulary: each case names the file and what was expected, so the message
/// reads as a sentence a user can act on.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A vocabulary file that was asked for does not exist.
    case missingFile(path: String)
    /// A model directory holds none of the known vocabulary forms.
    case noVocabulary(directory: String)
    /// The file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// The file is not valid JSON (often: truncated).
    case invalidJSON(path: String, reason: String)
    /// The file is readable but its content is not the expected form.
    case wrongFormat(path: String, reason: String)
    /// A merge names a token that the vocabulary does not have.
    case mergeOfUnknownToken(path: String, line: Int, token: String)
    /// A merge produces a token that the vocabulary does not have.
    case mergedTokenMissing(path: String, line: Int, token: String)
    /// Two tokens claim the same id (or rank).
    case duplicateID(path: String, id: Int, first: String, second: String)
    /// A byte-level vocabulary must have one token for each of the 256 bytes.
    case missingByteToken(path: String, byte: UInt8)
    /// A feature of the file that this tokenizer does not implement.
    case unsupported(path: String, feature: String)
    /// A pre-tokenizer split regex that is none of the families' patterns this tokenizer implements.
    case unknownSplitPattern(path: String, pattern: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "\(path): file not found"
        case .noVocabulary(let directory):
            return "\(directory): no tokenizer files found (expected tokenizer.json, vocab.json + merges.txt, "
                + "encoder.json + vocab.bpe, a *.tiktoken rank file, or Llama 3's tokenizer.model)"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read (\(reason))"
        case .invalidJSON(let path, let reason):
            return "\(path): invalid or truncated JSON (\(reason))"
        case .wrongFormat(let path, let reason):
            return "\(path): \(reason)"
        case .mergeOfUnknownToken(let path, let line, let token):
            return "\(path):\(line): merge of unknown token \(quoted(token))"
        case .mergedTokenMissing(let path, let line, let token):
            return "\(path):\(line): the merged token \(quoted(token)) is not in the vocabulary"
        case .duplicateID(let path, let id, let first, let second):
            return "\(path): tokens \(quoted(first)) and \(quoted(second)) both have id \(id)"
        case .missingByteToken(let path, let byte):
            return "\(path): no token for byte 0x\(String(byte, radix: 16, uppercase: true)); a byte-level BPE needs all 256"
        case .unsupported(let path, let feature):
            return "\(path): \(feature) is not supported"
        case .unknownSplitPattern(let path, let pattern):
            // Verbatim: escaping would double every backslash of the regex.
            return "\(path): the pre-tokenizer splits with the regex \(pattern), which is not one this tokenizer "
                + "implements (GPT-2's, Llama 3's or Qwen2's)"
        }
    }
}

/// A token as a Swift string literal, so invisible characters stay visible in messages.
private func quoted(_ token: String) -> String {
    "\"" + token.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "\""
}
