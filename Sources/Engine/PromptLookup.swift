/// Drafts the next tokens of a sequence from its own earlier tokens (prompt lookup decoding).
///
/// Code repeats itself: a second similar function, a renamed variable, a closing block like the one above. When
/// the last `n` tokens occurred before, the tokens that followed them there are a good guess for what comes next.
/// The engine checks such a draft in one batched step and keeps only the part greedy decoding would have produced,
/// so a draft changes speed, never output.
///
/// The lookup tries the longest n-gram first (`maxNgram` down to `minNgram`) and, for each, the most recent earlier
/// occurrence: the nearest repeat is the likeliest to continue the same way. O(tokens * maxNgram) per call.
public struct PromptLookup: Equatable, Sendable {
    /// Longest suffix of the sequence looked up.
    public var maxNgram: Int
    /// Shortest suffix looked up; shorter ones match by chance more often, and a wrong draft costs compute. Two by
    /// default: on text that never repeats, one-token matches drafted 58 tokens in 64 steps, all wrong, and cost
    /// about 5% of decode speed, while two-token ones drafted none; where code repeats, two kept nearly as many
    /// drafted tokens with far fewer wrong (docs/benchmarks/journal.md).
    public var minNgram: Int
    /// Most tokens drafted at once. A check row is this plus one tokens long: keep it short of the length at which
    /// a model computes a row by another kernel than a decode row's (GPTModel's attention switches at 32 tokens),
    /// so that every checked position gets the very logits decoding one token would have.
    public var maxDraft: Int

    public init(maxNgram: Int = 3, minNgram: Int = 2, maxDraft: Int = 8) {
        precondition(minNgram >= 1 && maxNgram >= minNgram && maxDraft >= 1,
                     "prompt lookup needs n-grams of at least one token and drafts of at least one")
        self.maxNgram = maxNgram
        self.minNgram = minNgram
        self.maxDraft = maxDraft
    }

    /// Up to `min(maxDraft, limit)` tokens that followed the latest earlier occurrence of the longest suffix of
    /// `tokens` found again in `tokens`; empty when no suffix of `minNgram` tokens or more recurs.
    public func draft(after tokens: [Int], limit: Int = .max) -> [Int] {
        let count = min(maxDraft, limit)
        guard count > 0 else { return [] }
        for n in stride(from: maxNgram, through: minNgram, by: -1) where tokens.count > n {
            let suffixStart = tokens.count - n
            // Latest start first; an occurrence must end before the suffix itself does.
            for start in stride(from: suffixStart - 1, through: 0, by: -1)
            where matches(tokens, at: start, suffixStart, n) {
                let from = start + n
                return Array(tokens[from..<min(from + count, tokens.count)])
            }
        }
        return []
    }

    /// Whether `tokens[start..<start+n]` equals `tokens[suffixStart..<suffixStart+n]`.
    private func matches(_ tokens: [Int], at start: Int, _ suffixStart: Int, _ n: Int) -> Bool {
        for i in 0..<n where tokens[start + i] != tokens[suffixStart + i] { return false }
        return true
    }
}
