/// A vocabulary as the usual files write it: what `gptls export` puts beside exported weights.
public struct VocabularyListing: Sendable {
    /// Each id's token as a byte-level string (GPT-2's printable form of its bytes); special tokens as their text.
    public var tokens: [String]
    /// Which ids are special tokens (control tokens, produced only when asked for by name).
    public var isSpecial: [Bool]
    /// Merges by rank, each "left right" in byte-level strings, as a merges.txt line.
    public var merges: [String]
}

extension BPETokenizer {
    /// The vocabulary and merges in the form vocab.json/merges.txt and GGUF's `tokenizer.ggml.*` keys use.
    ///
    /// An id no token uses gets a placeholder `<|unused_N|>` so the listing stays dense. Complexity: O(vocabulary).
    public func listing() -> VocabularyListing {
        let specialIds = Set(vocabulary.specials.values)
        var tokens: [String] = []
        var isSpecial: [Bool] = []
        tokens.reserveCapacity(vocabulary.size)
        for id in 0..<vocabulary.size {
            let special = specialIds.contains(id)
            isSpecial.append(special)
            if special, let name = vocabulary.specials.first(where: { $0.value == id })?.key {
                tokens.append(name)
            } else if let bytes = vocabulary.tokenBytes(id) {
                tokens.append(ByteLevel.string(of: bytes))
            } else {
                tokens.append("<|unused_\(id)|>")
            }
        }
        let merges = vocabulary.mergeOrder.map { tokens[Int($0.left)] + " " + tokens[Int($0.right)] }
        return VocabularyListing(tokens: tokens, isSpecial: isSpecial, merges: merges)
    }
}
