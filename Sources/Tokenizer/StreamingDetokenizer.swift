/// Turns ids into text one at a time, as a model generates them, and returns only complete UTF-8.
///
/// A token can end in the middle of a character (emoji and CJK are often split over two or three tokens); those bytes
/// wait until the character is complete. Bytes that can never become valid are returned as U+FFFD at once. The
/// concatenation of every `append` and the final `finish` equals `tokenizer.decode(allIDs, skippingSpecialTokens:)`.
/// A value type: one per stream, used by one thread at a time.
public struct StreamingDetokenizer: Sendable {
    private let tokenizer: BPETokenizer
    private let skipsSpecialTokens: Bool
    private var pending: [UInt8] = []

    /// A stream that shows special tokens as their text unless `skippingSpecialTokens`.
    public init(tokenizer: BPETokenizer, skippingSpecialTokens: Bool = false) {
        self.tokenizer = tokenizer
        skipsSpecialTokens = skippingSpecialTokens
    }

    /// The text that `id` completes; empty while a character is still incomplete (or `id` is a skipped special).
    public mutating func append(_ id: Int) -> String {
        if skipsSpecialTokens, tokenizer.isSpecial(id) { return "" }
        tokenizer.appendBytes(of: id, to: &pending)
        let complete = UTF8Scalar.completePrefixLength(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// The rest of the stream: an incomplete trailing character becomes U+FFFD. The detokenizer is then empty.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }
}
