/// How a classifier's token ids are cut (and padded) before the model reads its last position.
///
/// Without a limit, the end of a long text is kept, up to the model's context. With `maxTokens` the first that many
/// tokens are kept, as the book's chapter 6 (`classify_review`) and the bundled classifier's training do; with a
/// `padTokenId` as well, shorter inputs are padded up to `maxTokens` and the last (padded) position is read, which
/// is what a model finetuned on padded batches, like the book's spam classifier (120 tokens of `<|endoftext|>`
/// padding), expects.
public struct ClassifierInput: Equatable, Sendable {
    public var maxTokens: Int?
    public var padTokenId: Int?

    public init(maxTokens: Int? = nil, padTokenId: Int? = nil) {
        self.maxTokens = maxTokens
        self.padTokenId = padTokenId
    }

    /// The ids the classifier runs on, never longer than `contextLength`. Empty input stays empty without padding.
    public func tokens(_ ids: [Int], contextLength: Int) -> [Int] {
        guard let maxTokens else { return Array(ids.suffix(contextLength)) }
        let length = min(maxTokens, contextLength)
        var kept = Array(ids.prefix(length))
        if let padTokenId { kept += Array(repeating: padTokenId, count: length - kept.count) }
        return kept
    }
}
