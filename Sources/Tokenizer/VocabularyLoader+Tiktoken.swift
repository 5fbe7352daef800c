import Foundation

extension VocabularyLoader {
    /// A tiktoken rank file: one `base64(token bytes) rank` per line, ranks doubling as ids. The file has no special
    /// tokens; `<|endoftext|>` gets the id after the last rank, as in GPT-2 (50256).
    ///
    /// Merging follows tiktoken: any adjacent pair whose concatenation is a token merges, lowest token rank first.
    static func loadTiktoken(_ file: URL) throws -> Vocabulary {
        let path = file.path
        let text = try readText(file)
        var tokens: [[UInt8]?] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 2, let bytes = Data(base64Encoded: String(parts[0])), !bytes.isEmpty,
                  let rank = Int(parts[1]), rank >= 0, rank < 1 << 24 else {
                throw TokenizerError.wrongFormat(path: path, reason: "line \(lineNumber) is "
                    + "\(String(line.prefix(60)).debugDescription), expected \"<base64 token> <rank>\"")
            }
            if rank >= tokens.count { tokens += [[UInt8]?](repeating: nil, count: rank + 1 - tokens.count) }
            if let other = tokens[rank] {
                throw TokenizerError.duplicateID(path: path, id: rank, first: ByteLevel.string(of: other),
                                                 second: ByteLevel.string(of: bytes))
            }
            tokens[rank] = Array(bytes)
        }
        guard !tokens.isEmpty else { throw TokenizerError.wrongFormat(path: path, reason: "the file has no ranks") }
        var index = ByteSequenceMap(minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() {
            guard let token else { continue }
            if let other = index.value(for: token) {
                throw TokenizerError.duplicateID(path: path, id: Int(other), first: ByteLevel.string(of: token),
                                                 second: "the same bytes again at rank \(id)")
            }
            index.set(Int64(id), for: token)
        }
        // Every split of a token into two tokens is a merge ranked by the whole token.
        var merges: [(left: Int, right: Int, rank: Int)] = []
        for (id, token) in tokens.enumerated() {
            guard let token, token.count > 1 else { continue }
            for split in 1..<token.count {
                if let left = index.value(for: Array(token[..<split])), let right = index.value(for: Array(token[split...])) {
                    merges.append((Int(left), Int(right), id))
                }
            }
        }
        return try Vocabulary(tokens: tokens, merges: merges, specials: ["<|endoftext|>": tokens.count],
                              rule: .tokenRanks, path: path)
    }
}
