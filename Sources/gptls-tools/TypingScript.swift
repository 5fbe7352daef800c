import Foundation
import Tokenizer

/// A real source file to type into the server: the text already present when the document opens (about
/// `promptTokens` tokens, so the first prompt has that length) and the characters typed after it, one by one.
struct TypingScript {
    let uri: String
    let name: String
    let opening: String
    let typed: [Character]

    /// Scripts for `count` documents, cycling over `files` (a file used twice gets a second URI, so it is its own
    /// document with its own cache entries). Files whose text is too short to type for long are skipped.
    static func load(files: [URL], count: Int, promptTokens: Int, tokenizer: BPETokenizer) throws -> [TypingScript] {
        var usable: [(name: String, opening: String, typed: [Character])] = []
        for file in files {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            let tokens = tokenizer.encode(text)
            guard tokens.count > promptTokens + 500 else { continue }
            var opening = tokenizer.decode(Array(tokens.prefix(promptTokens)))
            // A token boundary inside a multi-byte character decodes to U+FFFD: fall back to whole characters.
            if !text.hasPrefix(opening) { opening = String(text.prefix(opening.count - 1)) }
            usable.append((file.lastPathComponent, opening, Array(text.dropFirst(opening.count))))
        }
        guard !usable.isEmpty else {
            throw BenchServerError.noSourceFiles(files.map(\.path).prefix(3).joined(separator: ", "))
        }
        return (0..<count).map { index in
            let file = usable[index % usable.count]
            return TypingScript(uri: "file:///bench/\(index)/\(file.name)", name: file.name, opening: file.opening,
                                typed: file.typed)
        }
    }
}
