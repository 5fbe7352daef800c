/// Chooses which tokens of a long prompt fit the model's context, so that consecutive keystrokes see the same window.
///
/// Dropping exactly the oldest excess tokens would shift the window by a token or two on every keystroke, and since
/// GPT-2's positions are absolute, every shift invalidates the whole cached prefix. Instead the window's start moves
/// in steps of `step` tokens: between two moves every keystroke reuses the cache.
public enum PromptWindow {
    /// The index of the first token to keep out of `tokenCount`, so at most `capacity` tokens remain.
    public static func start(tokenCount: Int, capacity: Int, step: Int) -> Int {
        precondition(capacity > 0 && step > 0 && step <= capacity)
        guard tokenCount > capacity else { return 0 }
        let excess = tokenCount - capacity
        return (excess + step - 1) / step * step
    }

    /// The end of a long text, enough to fill the context, so a keystroke does not re-tokenize a whole document.
    ///
    /// The cut moves in steps of a quarter of the kept length and lands on a line start, so consecutive keystrokes
    /// see the same beginning (and so the same tokens and cached blocks) until the next step.
    public static func recentText(_ text: String, contextLength: Int) -> Substring {
        let keep = contextLength * 8  // bytes: comfortably more than a context of code or prose
        let bytes = text.utf8
        guard bytes.count > keep else { return text[...] }
        let step = keep / 4
        let cut = (bytes.count - keep + step - 1) / step * step
        var index = bytes.index(bytes.startIndex, offsetBy: cut)
        // Start after the next line break (or at least on a character boundary).
        if let newline = bytes[index...].prefix(step).firstIndex(of: UInt8(ascii: "\n")) {
            index = bytes.index(after: newline)
        }
        while index < bytes.endIndex, UTF8.isContinuation(bytes[index]) { index = bytes.index(after: index) }
        return text[index...]
    }

    /// The end of a long text, at most `characters` long, starting at a line start where one is near: the same
    /// stable cut in characters, for an engine whose tokenizer is unknown (its own prefix cache then reuses it).
    public static func recentText(_ text: String, characters: Int) -> Substring {
        guard text.count > characters else { return text[...] }
        let step = max(1, characters / 4)
        let excess = text.count - characters
        let cut = (excess + step - 1) / step * step
        var index = text.index(text.startIndex, offsetBy: cut)
        if let newline = text[index...].prefix(step).firstIndex(of: "\n") { index = text.index(after: newline) }
        return text[index...]
    }
}
