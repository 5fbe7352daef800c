/// How a model family splits text into pieces before byte-pair merging: its pre-tokenizer pattern.
///
/// Each case is a hand-written linear-time scanner for one regular expression (no regex engine runs), chosen by the
/// vocabulary: `tokenizer.json` names the regex, GGUF names the family (`tokenizer.ggml.pre`).
public enum SplitPattern: String, Sendable, CaseIterable {
    /// GPT-2's `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// Llama 3's `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
    /// \s*[\r\n]+|\s+(?!\S)|\s+`: contractions in any case, a word takes one leading non-letter (not a line break),
    /// numbers in runs of at most three digits, line breaks stay with the white space before them.
    case llama3
    /// Qwen2's: Llama 3's pattern with one digit per piece (`\p{N}` for `\p{N}{1,3}`).
    case qwen2
    /// SmolLM2's: every digit alone (`Digits` with `individual_digits`), then GPT-2's pattern on the text between.
    case smolLM

    /// The regex of a `Split` pre-tokenizer in `tokenizer.json`, as the families write it.
    var regex: String {
        switch self {
        case .gpt2: return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .llama3: return Self.llama3Regex(numbers: #"\p{N}{1,3}"#)
        case .qwen2: return Self.llama3Regex(numbers: #"\p{N}"#)
        case .smolLM: return #"\p{N}"#  // never a Split regex: Digits then ByteLevel's own
        }
    }

    private static func llama3Regex(numbers: String) -> String {
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|"# + numbers
            + #"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    }

    /// The pattern whose `Split` regex this is, or nil for a regex this tokenizer does not implement.
    init?(splitRegex: String) {
        guard let pattern = [SplitPattern.gpt2, .llama3, .qwen2].first(where: { $0.regex == splitRegex }) else {
            return nil
        }
        self = pattern
    }

    /// The pattern of a GGUF `tokenizer.ggml.pre` name (llama.cpp's pre-tokenizer types), or nil for one this
    /// tokenizer does not implement.
    init?(ggufName: String) {
        switch ggufName {
        case "gpt-2": self = .gpt2
        case "llama3", "llama-v3", "llama-bpe": self = .llama3
        case "qwen2", "deepseek-r1-qwen": self = .qwen2
        case "smollm": self = .smolLM
        default: return nil
        }
    }

    /// Whether a word that is itself a token skips merging (`ignore_merges`): llama.cpp sets it for Llama 3's type.
    var ggufIgnoresMerges: Bool { self == .llama3 }
}
