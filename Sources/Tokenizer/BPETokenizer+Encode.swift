extension BPETokenizer {
    /// The token ids of `text`. Special-token text such as `<|endoftext|>` is encoded as ordinary text; added tokens
    /// that are not special (`<tool_call>` in Qwen2.5) are matched wherever their text occurs.
    ///
    /// Linear in the text for ordinary text; a single pre-token of n bytes (say a 50 MB run of one letter) costs
    /// O(n log n) time and about 20n bytes of scratch memory.
    public func encode(_ text: String) -> [Int] {
        if let ids = text.utf8.withContiguousStorageIfAvailable({ encodeOrdinary($0) }) { return ids }
        return Array(text.utf8).withUnsafeBufferPointer { encodeOrdinary($0) }
    }

    /// The token ids of `text`, where the special tokens named in `allowedSpecial` become their ids (the leftmost,
    /// then longest, occurrence wins); other special-token text is ordinary text. Names the vocabulary does not know
    /// are ignored.
    public func encode(_ text: String, allowedSpecial: Set<String>) -> [Int] {
        let specials = allowedSpecial.compactMap { name in vocabulary.specials[name].map { (Array(name.utf8), $0) } }
            .filter { !$0.0.isEmpty }
            .sorted { $0.0.count > $1.0.count }
        if specials.isEmpty { return encode(text) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var output: [Int] = []
            var start = 0
            var index = 0
            while index < buffer.count {
                var matched: (length: Int, id: Int)?
                for (name, id) in specials where name[0] == buffer[index] && index + name.count <= buffer.count {
                    if buffer[index..<index + name.count].elementsEqual(name) {
                        matched = (name.count, id)
                        break
                    }
                }
                if let matched {
                    output += encodeOrdinary(UnsafeBufferPointer(rebasing: buffer[start..<index]))
                    output.append(matched.id)
                    index += matched.length
                    start = index
                } else {
                    index += 1
                }
            }
            output += encodeOrdinary(UnsafeBufferPointer(rebasing: buffer[start...]))
            return output
        }
    }

    /// The token ids of arbitrary bytes, for files that may not be UTF-8.
    ///
    /// Valid UTF-8 gives exactly `encode(String)`'s ids. A byte that is not part of a well-formed UTF-8 sequence is
    /// pre-tokenized as one punctuation-like character (class "other", joining neighbouring punctuation) and encoded
    /// as its own byte, so nothing is lost: `decodeBytes(encode(bytes: b)) == b` for every `b`.
    public func encode(bytes: [UInt8]) -> [Int] {
        bytes.withUnsafeBufferPointer { encodeOrdinary($0) }
    }

    /// Encodes text without special tokens: added tokens where their text occurs, the rest normalized, split and
    /// merged.
    func encodeOrdinary(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        let matcher = vocabulary.addedMatcher
        if matcher.isEmpty { return encodeNormalizing(bytes) }
        var output: [Int] = []
        var start = 0
        while let (range, id) = matcher.firstMatch(in: bytes, from: start) {
            output += encodeNormalizing(UnsafeBufferPointer(rebasing: bytes[start..<range.lowerBound]))
            output.append(id)
            start = range.upperBound
        }
        output += encodeNormalizing(UnsafeBufferPointer(rebasing: bytes[start...]))
        return output
    }

    private func encodeNormalizing(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        if let normalized = vocabulary.normalization.apply(bytes) {
            return normalized.withUnsafeBufferPointer { encodePieces($0) }
        }
        return encodePieces(bytes)
    }

    /// Splits with the vocabulary's pattern and merges.
    private func encodePieces(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        switch vocabulary.pattern {
        case .gpt2: return encodePieces(bytes, PreTokenizer(bytes))
        case .llama3: return encodePieces(bytes, Llama3PreTokenizer(bytes, digitLimit: 3))
        case .qwen2: return encodePieces(bytes, Llama3PreTokenizer(bytes, digitLimit: 1))
        case .smolLM: return encodePieces(bytes, SmolLMPreTokenizer(bytes))
        }
    }

    /// Merges the pieces of `scanner`; every piece is looked up first in the vocabulary, then in the cache.
    private func encodePieces<Scanner: IteratorProtocol>(_ bytes: UnsafeBufferPointer<UInt8>, _ scanner: Scanner)
        -> [Int] where Scanner.Element == Range<Int> {
        var output: [Int] = []
        output.reserveCapacity(bytes.count / 3 + 1)
        withState { state in
            let shortcut = vocabulary.shortcut
            let merger = vocabulary.merger
            var pieces = scanner
            while let range = pieces.next() {
                let piece = UnsafeBufferPointer(rebasing: bytes[range])
                if let id = shortcut.value(for: piece) {
                    output.append(Int(id))
                    continue
                }
                guard piece.count <= EncoderState.longestCachedPiece else {
                    merger.merge(piece, into: &output)
                    continue
                }
                if let entry = state.cache.value(for: piece) {
                    let offset = Int(entry >> 16), count = Int(entry & 0xFFFF)
                    for i in offset..<offset + count { output.append(Int(state.cachedIDs[i])) }
                    continue
                }
                let first = output.count
                merger.merge(piece, into: &output)
                state.makeRoom()
                state.cache.set(Int64(state.cachedIDs.count) << 16 | Int64(output.count - first), for: piece)
                for i in first..<output.count { state.cachedIDs.append(UInt32(output[i])) }
            }
        }
        return output
    }
}
