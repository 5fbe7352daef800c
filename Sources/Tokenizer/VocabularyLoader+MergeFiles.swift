import Foundation

extension VocabularyLoader {
    /// `vocab.json` + `merges.txt` (Hugging Face) or `encoder.json` + `vocab.bpe` (OpenAI): the same two files under
    /// two names. The merges file is one `left right` pair per line, after an optional `#version` line.
    static func loadMergeList(vocabulary: URL, merges: URL) throws -> Vocabulary {
        let ids = try tokenIDs(readJSONDocument(vocabulary).integerMembers(at: []), path: vocabulary.path, what: "the vocabulary")
        let text = try readText(merges)
        var pairs: [(String, String, line: Int)] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty || (lineNumber == 1 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError.wrongFormat(path: merges.path, reason: "line \(lineNumber) is "
                    + "\(String(line.prefix(60)).debugDescription), expected two tokens separated by one space")
            }
            pairs.append((String(parts[0]), String(parts[1]), lineNumber))
        }
        return try buildFromMergeList(ids: ids, vocabularyPath: vocabulary.path, merges: pairs, mergesPath: merges.path)
    }
}
