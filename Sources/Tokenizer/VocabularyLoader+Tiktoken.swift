import Foundation

extension VocabularyLoader {
    /// A tiktoken rank file: one `base64(token bytes) rank` per line, ranks doubling as ids. The file has no special
    /// tokens; `<|endoftext|>` gets the id after the last rank, as in GPT-2 (50256).
    ///
    /// Merging follows tiktoken: any adjacent pair whose concatenation is a token merges, lowest token rank first.
    static func loadTiktoken(_ file: URL) throws -> Vocabulary {
        let tokens = try readRanks(readData(file), path: file.path)
        return try Vocabulary(tokens: tokens, merges: rankMerges(tokens, path: file.path),
                              specials: ["<|endoftext|>": tokens.count], rule: .tokenRanks, path: file.path)
    }

    /// Llama 3's `tokenizer.model`, the rank file the book's Llama 3 tokenizer reads with tiktoken: 128000 ranks,
    /// Llama 3's pattern, and the 256 special tokens Meta's tokenizer adds from 128000 on (Llama 3.1 and 3.2 names).
    /// A SentencePiece `tokenizer.model` (Llama 2) is refused.
    static func loadLlama3Tiktoken(_ file: URL) throws -> Vocabulary {
        let path = file.path
        let data = try readData(file)
        // A rank file starts with base64; a SentencePiece model with a protocol-buffer field tag.
        if let first = data.first, !Self.isBase64(first) {
            throw TokenizerError.unsupported(path: path, feature: "a SentencePiece model (only Llama 3's tiktoken rank "
                + "file is read as tokenizer.model)")
        }
        let tokens = try readRanks(data, path: path)
        guard tokens.count == Llama3Specials.firstID else {
            throw TokenizerError.wrongFormat(path: path, reason: "the file has \(tokens.count) ranks; Llama 3's has "
                + "\(Llama3Specials.firstID)")
        }
        var vocabulary = try Vocabulary(tokens: tokens, merges: rankMerges(tokens, path: path),
                                        specials: Llama3Specials.all, rule: .tokenRanks,
                                        scheme: Scheme(pattern: .llama3), path: path)
        vocabulary.roles = Llama3Specials.roles
        return vocabulary
    }

    /// The tokens of a rank file by rank; ranks no line names are nil. Parsed from the bytes: a 128k-line file
    /// read through `String` lines and `Data(base64Encoded:)` takes several times longer.
    private static func readRanks(_ data: Data, path: String) throws -> [[UInt8]?] {
        let bytes = [UInt8](data)
        var tokens: [[UInt8]?] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            defer { start = end + 1 }
            if end == start { continue }
            let line = bytes[start..<end]
            guard let (token, rank) = rankLine(line) else {
                let text = String(decoding: line.prefix(60), as: UTF8.self)
                throw TokenizerError.wrongFormat(path: path, reason: "line \(lineNumber) is \(text.debugDescription), "
                    + "expected \"<base64 token> <rank>\"")
            }
            if rank >= tokens.count {
                try checkDensity(size: rank + 1, count: lineNumber, path: path)
                tokens += [[UInt8]?](repeating: nil, count: rank + 1 - tokens.count)
            }
            if let other = tokens[rank] {
                throw TokenizerError.duplicateID(path: path, id: rank, first: ByteLevel.string(of: other),
                                                 second: ByteLevel.string(of: token))
            }
            tokens[rank] = token
        }
        guard !tokens.isEmpty else { throw TokenizerError.wrongFormat(path: path, reason: "the file has no ranks") }
        return tokens
    }

    /// `base64 rank` (fields separated by spaces): the decoded token, not empty, and a rank below 2^24.
    private static func rankLine(_ line: ArraySlice<UInt8>) -> ([UInt8], Int)? {
        let fields = line.split(separator: UInt8(ascii: " "))
        guard fields.count == 2, let token = base64Decoded(fields[0]), !token.isEmpty, fields[1].count <= 8 else {
            return nil
        }
        var rank = 0
        for digit in fields[1] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            rank = rank * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return rank < 1 << 24 ? (token, rank) : nil
    }

    /// Standard base64 with padding, or nil.
    private static func base64Decoded(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        var quad: UInt32 = 0
        var count = 0
        var padding = 0
        for (offset, character) in text.enumerated() {
            let value: UInt32
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(character - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(character - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(character - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "=") where offset >= text.count - 2:
                padding += 1
                value = 0
            default: return nil
            }
            if padding > 0, character != UInt8(ascii: "=") { return nil }
            quad = quad << 6 | value
            count += 1
            if count == 4 {
                output.append(UInt8(quad >> 16 & 0xFF))
                output.append(UInt8(quad >> 8 & 0xFF))
                output.append(UInt8(quad & 0xFF))
                quad = 0
                count = 0
            }
        }
        output.removeLast(padding)
        return output
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
    }

    /// Every split of a token into two tokens is a merge ranked by the whole token.
    private static func rankMerges(_ tokens: [[UInt8]?], path: String) throws -> [(left: Int, right: Int, rank: Int)] {
        var index = ByteSequenceMap(minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() {
            guard let token else { continue }
            if let other = index.value(for: token) {
                throw TokenizerError.duplicateID(path: path, id: Int(other), first: ByteLevel.string(of: token),
                                                 second: "the same bytes again at rank \(id)")
            }
            index.set(Int64(id), for: token)
        }
        var merges: [(left: Int, right: Int, rank: Int)] = []
        for (id, token) in tokens.enumerated() {
            guard let token, token.count > 1 else { continue }
            token.withUnsafeBufferPointer { bytes in
                for split in 1..<bytes.count {
                    if let left = index.value(for: UnsafeBufferPointer(rebasing: bytes[..<split])),
                       let right = index.value(for: UnsafeBufferPointer(rebasing: bytes[split...])) {
                        merges.append((Int(left), Int(right), id))
                    }
                }
            }
        }
        return merges
    }
}
