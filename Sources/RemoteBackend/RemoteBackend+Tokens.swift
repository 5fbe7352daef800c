import Tasks
import Tokenizer

/// A prompt as sent, and its length in the unit the metrics report: the tokenizer's tokens where the backend has
/// one, else characters (the engine tokenizes the text and does not say into how many tokens).
struct SizedPrompt: Sendable {
    var text: String
    var count: Int
    var unit: TaskMetrics.PromptUnit
}

extension RemoteBackend {
    /// How prompts are measured: in the model's tokens where the configuration gives its tokenizer (windows then fill
    /// `options.contextTokens`, as locally), else in characters (`options.completionCharacters`,
    /// `options.inputCharacters`).
    public var measure: PromptMeasure {
        guard let tokenizer else {
            return .characters(CharacterLimits(completion: options.completionCharacters,
                                               input: options.inputCharacters))
        }
        return .tokens(tokenizer, context: contextTokens)
    }

    /// The model's context in tokens, as windows use it (at least 2: a prompt token and a generated one).
    var contextTokens: Int { max(2, options.contextTokens) }

    /// A prompt as text, as every engine accepts it, measured in this backend's unit.
    func sized(_ prompt: Prompt) -> SizedPrompt {
        switch prompt {
        case .tokens(let tokens):
            guard let tokenizer else { preconditionFailure("token prompts come only from a backend with a tokenizer") }
            return SizedPrompt(text: Self.text(of: tokens, tokenizer), count: tokens.count, unit: .tokens)
        case .text(let text):
            guard let tokenizer else { return SizedPrompt(text: text, count: text.count, unit: .characters) }
            return SizedPrompt(text: text, count: tokenizer.promptTokens(text).count, unit: .tokens)
        }
    }

    /// The text of a token window. A window cut inside a character starts with the bytes after the cut, which are
    /// dropped rather than sent as U+FFFD (a character the document does not hold). A leading BOS is left to the
    /// engine, which adds its own; it still counts as one of the prompt's tokens.
    static func text(of tokens: [Int], _ tokenizer: BPETokenizer) -> String {
        let text = tokens.starts(with: tokenizer.promptStart) ? tokens.dropFirst(tokenizer.promptStart.count) : tokens[...]
        let bytes = tokenizer.decodeBytes(Array(text))
        return String(decoding: bytes.drop(while: UTF8.isContinuation), as: UTF8.self)
    }
}
