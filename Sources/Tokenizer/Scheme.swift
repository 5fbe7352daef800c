/// A model family's way from text to pieces: the split pattern, the normalization, and whether a piece that is itself
/// a token skips merging (`ignore_merges`, Llama 3).
struct Scheme: Sendable, Equatable {
    var pattern: SplitPattern = .gpt2
    var normalization: Normalization = .none
    var ignoresMerges = false

    /// GPT-2's: its pattern, no normalization, every piece merged.
    static let gpt2 = Scheme()
}
