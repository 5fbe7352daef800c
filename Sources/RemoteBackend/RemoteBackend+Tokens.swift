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
    /// The model's context in tokens, as the windows below use it (at least 2: a prompt token and a generated one).
    var contextTokens: Int { max(2, options.contextTokens) }

    /// The completion prompt for the text before the cursor, and the cap on generated tokens.
    ///
    /// With a tokenizer the prompt is the window of the last tokens that local completion would use
    /// (`PromptWindow`: it moves in steps, so consecutive keystrokes send the same beginning and the engine's
    /// prefix cache reuses it), sent as its decoded text, as every engine accepts text. Without one it is the end of
    /// the text in characters.
    func completionPrompt(_ prefix: String, maxTokens: Int) -> (prompt: SizedPrompt, maxTokens: Int) {
        guard let tokenizer else {
            var prompt = String(Self.recentText(prefix, characters: options.completionCharacters))
            if prompt.isEmpty { prompt = "<|endoftext|>" }
            return (SizedPrompt(text: prompt, count: prompt.count, unit: .characters), maxTokens)
        }
        let context = contextTokens
        var tokens = tokenizer.encode(String(PromptWindow.recentText(prefix, contextLength: context)))
        if tokens.isEmpty, let start = tokenizer.endOfText { tokens = [start] }
        let cap = min(maxTokens, context / 2)
        let capacity = context - cap
        let start = PromptWindow.start(tokenCount: tokens.count, capacity: capacity, step: max(1, capacity / 4))
        let window = Array(tokens[start...])
        return (SizedPrompt(text: Self.text(of: window, tokenizer), count: window.count, unit: .tokens), cap)
    }

    /// A whole prompt measured in the unit of this backend.
    func sized(_ prompt: String) -> SizedPrompt {
        guard let tokenizer else { return SizedPrompt(text: prompt, count: prompt.count, unit: .characters) }
        return SizedPrompt(text: prompt, count: tokenizer.encode(prompt).count, unit: .tokens)
    }

    /// A summary's input split into pieces whose prompts fit, and the cap on each piece's generated tokens: in
    /// tokens as locally where there is a tokenizer (a quarter of the context for the summary), else in characters.
    func summaryPieces(_ text: String, maxTokens: Int) -> (pieces: [String], maxTokens: Int) {
        guard let tokenizer else { return (Self.split(text, characters: options.inputCharacters), maxTokens) }
        let cap = min(maxTokens, contextTokens / 4)
        let overhead = tokenizer.encode(PromptFormat.alpaca(instruction: options.summaryInstruction, input: "")).count
        return (tokenizer.pieces(of: text, maxTokens: max(16, contextTokens - cap - overhead)), cap)
    }

    /// The zero-shot prompt for `text`: where a tokenizer is known, its last tokens that leave room for the longest
    /// label in the context, as locally; else the prompt of the input's last characters.
    func classificationPrompt(_ text: String, instruction: String, labels: [String]) -> String {
        guard let tokenizer else {
            return PromptFormat.alpaca(instruction: instruction, input: String(text.suffix(options.inputCharacters)))
        }
        let prompt = PromptFormat.alpaca(instruction: instruction, input: text)
        let tokens = tokenizer.encode(prompt)
        let longest = labels.map { tokenizer.encode($0).count }.max() ?? 1
        let room = max(1, contextTokens - longest)
        // Keep the end: the instruction's response header must stay right before the label.
        return tokens.count <= room ? prompt : Self.text(of: Array(tokens.suffix(room)), tokenizer)
    }

    /// The text of a token window. A window cut inside a character starts with the bytes after the cut, which are
    /// dropped rather than sent as U+FFFD (a character the document does not hold).
    static func text(of tokens: [Int], _ tokenizer: BPETokenizer) -> String {
        let bytes = tokenizer.decodeBytes(tokens)
        return String(decoding: bytes.drop(while: UTF8.isContinuation), as: UTF8.self)
    }
}
