extension BPETokenizer {
    /// The bytes of the tokens, end to end. An id outside the vocabulary gives the bytes of U+FFFD.
    public func decodeBytes(_ ids: [Int]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids { appendBytes(of: id, to: &bytes) }
        return bytes
    }

    /// The text of the tokens. Lossy: bytes that do not form valid UTF-8 (a token sequence cut inside a character,
    /// ids outside the vocabulary) become U+FFFD, one per maximal invalid subsequence.
    public func decode(_ ids: [Int]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }

    func appendBytes(of id: Int, to bytes: inout [UInt8]) {
        if let token = vocabulary.tokenBytes(id) {
            bytes.append(contentsOf: token)
        } else {
            bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
        }
    }
}
