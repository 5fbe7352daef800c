extension BPETokenizer {
    /// The bytes of the tokens, end to end; a special token gives its text. An id outside the vocabulary gives the
    /// bytes of U+FFFD.
    public func decodeBytes(_ ids: [Int]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids { appendBytes(of: id, to: &bytes) }
        return bytes
    }

    /// The bytes of the tokens, end to end, leaving out special tokens when `skippingSpecialTokens` (what a user
    /// is shown: control tokens such as `<|im_end|>` or `<|fim_pad|>` are not text).
    public func decodeBytes(_ ids: [Int], skippingSpecialTokens: Bool) -> [UInt8] {
        guard skippingSpecialTokens else { return decodeBytes(ids) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where !isSpecial(id) { appendBytes(of: id, to: &bytes) }
        return bytes
    }

    /// The text of the tokens; a special token gives its text. Lossy: bytes that do not form valid UTF-8 (a token
    /// sequence cut inside a character, ids outside the vocabulary) become U+FFFD, one per maximal invalid
    /// subsequence.
    public func decode(_ ids: [Int]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }

    /// The text of the tokens, leaving out special tokens when `skippingSpecialTokens`; lossy as `decode(_:)`.
    public func decode(_ ids: [Int], skippingSpecialTokens: Bool) -> String {
        String(decoding: decodeBytes(ids, skippingSpecialTokens: skippingSpecialTokens), as: UTF8.self)
    }

    /// The bytes of one token, without a copy (a special token gives its text); nil for an id outside the vocabulary
    /// or one that no token uses.
    public func tokenBytes(_ id: Int) -> ArraySlice<UInt8>? { vocabulary.tokenBytes(id) }

    /// Whether `id` is a special (control) token: never produced from text, only by name.
    public func isSpecial(_ id: Int) -> Bool {
        id >= 0 && id < vocabulary.isSpecialID.count && vocabulary.isSpecialID[id]
    }

    func appendBytes(of id: Int, to bytes: inout [UInt8]) {
        if let token = vocabulary.tokenBytes(id) {
            bytes.append(contentsOf: token)
        } else {
            bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
        }
    }
}
