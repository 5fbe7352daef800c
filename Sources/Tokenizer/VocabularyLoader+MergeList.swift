import Foundation
import JSON

extension VocabularyLoader {
    /// Token string -> id from a JSON object of byte-level token strings.
    static func tokenIDs(_ members: [(key: String, value: Int64?)]?, path: String, what: String) throws
        -> [String: Int] {
        guard let object = members else {
            throw TokenizerError.wrongFormat(path: path, reason: "\(what) must be a JSON object of token -> id")
        }
        var ids: [String: Int] = [:]
        ids.reserveCapacity(object.count)
        for (token, value) in object {
            guard let value, value >= 0, value < 1 << 24 else {
                throw TokenizerError.wrongFormat(path: path, reason: "token \(token.debugDescription) has an id that is "
                    + "not an integer in 0..<16777216")
            }
            ids[token] = Int(value)
        }
        return ids
    }

    /// Builds a vocabulary from token ids and merges (pairs of token strings, with the line they came from).
    ///
    /// Tokens made by a merge or standing for one byte are ordinary. Any other token (`<|endoftext|>` in GPT-2's
    /// vocab.json) is special and written as its plain text, unless `declaresSpecials` (tokenizer.json, which lists
    /// its special tokens in `added_tokens`): then every byte-level token of the vocabulary is ordinary, as in
    /// Hugging Face tokenizers, where `ignore_merges` can produce one that no merge makes. `specials` lists further
    /// special tokens and `added` the added tokens that are not special (text -> id).
    static func buildFromMergeList(ids: [String: Int], vocabularyPath: String, merges: [(String, String, line: Int)],
                                   mergesPath: String, specials extraSpecials: [String: Int] = [:],
                                   added: [String: Int] = [:], declaresSpecials: Bool = false,
                                   scheme: Scheme = .gpt2) throws -> Vocabulary {
        let named = extraSpecials.merging(added) { special, _ in special }
        let size = max((ids.values.max() ?? -1) + 1, (named.values.max() ?? -1) + 1)
        try checkDensity(size: size, count: ids.count + named.count, path: vocabularyPath)
        var strings = [String?](repeating: nil, count: size)
        for (token, id) in ids {
            if let other = strings[id] {
                let (first, second) = other < token ? (other, token) : (token, other)
                throw TokenizerError.duplicateID(path: vocabularyPath, id: id, first: first, second: second)
            }
            strings[id] = token
        }
        var claimed: [Int: String] = [:]
        for (content, id) in named {
            if let other = strings[id], other != content {
                throw TokenizerError.duplicateID(path: vocabularyPath, id: id, first: other, second: content)
            }
            if let other = claimed.updateValue(content, forKey: id) {
                let (first, second) = other < content ? (other, content) : (content, other)
                throw TokenizerError.duplicateID(path: vocabularyPath, id: id, first: first, second: second)
            }
        }
        var merged = [Bool](repeating: false, count: size)
        var triples: [(left: Int, right: Int, rank: Int)] = []
        triples.reserveCapacity(merges.count)
        for (rank, (left, right, line)) in merges.enumerated() {
            guard let leftID = ids[left] else { throw TokenizerError.mergeOfUnknownToken(path: mergesPath, line: line, token: left) }
            guard let rightID = ids[right] else { throw TokenizerError.mergeOfUnknownToken(path: mergesPath, line: line, token: right) }
            guard let mergedID = ids[left + right] else {
                throw TokenizerError.mergedTokenMissing(path: mergesPath, line: line, token: left + right)
            }
            merged[mergedID] = true
            triples.append((leftID, rightID, rank))
        }
        var tokens = [[UInt8]?](repeating: nil, count: size)
        var specials = extraSpecials
        for (id, string) in strings.enumerated() {
            guard let string, named[string] == nil else { continue }
            let bytes = ByteLevel.bytes(of: string)
            if let bytes, merged[id] || bytes.count == 1 || declaresSpecials {
                tokens[id] = bytes
            } else if merged[id] {
                throw TokenizerError.wrongFormat(path: vocabularyPath, reason: "token \(string.debugDescription) is "
                    + "not byte-level (it holds a character outside GPT-2's byte map)")
            } else {
                specials[string] = id
            }
        }
        for (leftID, rightID, _) in triples where tokens[leftID] == nil || tokens[rightID] == nil {
            let name = tokens[leftID] == nil ? strings[leftID] ?? "" : strings[rightID] ?? ""
            throw TokenizerError.wrongFormat(path: mergesPath, reason: "merge uses \(name.debugDescription), which is "
                + "neither a single byte nor made by an earlier merge")
        }
        return try Vocabulary(tokens: tokens, merges: triples, specials: specials, added: added, rule: .mergeList,
                              scheme: scheme, path: vocabularyPath)
    }

    /// Refuses ids that leave most of their range unused: an id of 16 million in a file of a few tokens would
    /// otherwise make tables of that size.
    static func checkDensity(size: Int, count: Int, path: String) throws {
        guard size > 2 * count + 1024 else { return }
        throw TokenizerError.wrongFormat(path: path, reason: "ids run up to \(size - 1) but there are only \(count) "
            + "tokens; a vocabulary's ids are expected to be nearly dense")
    }
}
