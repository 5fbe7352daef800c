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
}
