import Foundation
import JSON

extension VocabularyLoader {
    /// Hugging Face `tokenizer.json` with a byte-level BPE model: merges as `"a b"` strings or as `["a", "b"]` pairs,
    /// `ignore_merges`, the pre-tokenizer of a known family (`SplitPattern`), no normalizer or NFC, and added tokens
    /// (`special: true` or no `special` key: control tokens, produced only by name; `special: false`: matched in text).
    /// The special tokens' roles come from `tokenizer_config.json` beside it, when there is one, and the
    /// post-processor.
    static func loadTokenizerJSON(_ file: URL) throws -> Vocabulary {
        let path = file.path
        let document = try readJSONDocument(file)
        guard let keys = document.keys(at: []) else {
            throw TokenizerError.wrongFormat(path: path, reason: "expected a JSON object at the top level")
        }
        guard let modelKeys = document.keys(at: ["model"]) else {
            throw TokenizerError.wrongFormat(path: path, reason: "no \"model\" object")
        }
        // All but the model's vocab and merges is small: copied out as values. Those two are read from the tree.
        let large: Set = ["vocab", "merges"]
        let root = JSONValue.object(JSONObject(keys.filter { $0 != "model" }.map { ($0, document.value(at: [$0])!) }))
        let model = JSONValue.object(JSONObject(modelKeys.filter { !large.contains($0) }.map {
            ($0, document.value(at: ["model", $0])!)
        }))
        let type = model["type"]?.string ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupported(path: path, feature: "model type \(type)") }
        var scheme = try tokenizerJSONScheme(root, path: path)
        for option in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[option]?.string, !value.isEmpty {
                throw TokenizerError.unsupported(path: path, feature: "model.\(option) \(value.debugDescription)")
            }
        }
        if model["byte_fallback"]?.bool == true {
            throw TokenizerError.unsupported(path: path, feature: "model.byte_fallback: true")
        }
        scheme.ignoresMerges = model["ignore_merges"]?.bool == true
        guard modelKeys.contains("vocab") else {
            throw TokenizerError.wrongFormat(path: path, reason: "model has no \"vocab\"")
        }
        let ids = try tokenIDs(document.integerMembers(at: ["model", "vocab"]), path: path, what: "model.vocab")
        let merges = try mergeList(document.stringElements(at: ["model", "merges"]), path: path)
        let (specials, added) = try addedTokens(root["added_tokens"], path: path)
        var result = try buildFromMergeList(ids: ids, vocabularyPath: path, merges: merges, mergesPath: path,
                                            specials: specials, added: added, declaresSpecials: true,
                                            scheme: scheme)
        let config = file.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        result.roles = try tokenizerJSONRoles(root, vocabulary: result, path: path, config: config)
        return result
    }

    /// `added_tokens`, split into special ones (`special: true`, or no such key) and the others (text -> id).
    private static func addedTokens(_ value: JSONValue?, path: String) throws
        -> (specials: [String: Int], added: [String: Int]) {
        guard let value, !value.isNull else { return ([:], [:]) }
        guard let entries = value.array else {
            throw TokenizerError.wrongFormat(path: path, reason: "added_tokens must be an array")
        }
        var specials: [String: Int] = [:]
        var added: [String: Int] = [:]
        for entry in entries {
            guard let content = entry["content"]?.string, !content.isEmpty, let id = entry["id"]?.int, id >= 0,
                  id < 1 << 24
            else {
                throw TokenizerError.wrongFormat(path: path, reason: "added_tokens entries need a non-empty "
                    + "\"content\" string and an \"id\" in 0..<16777216")
            }
            if entry["special"]?.bool == false {
                added[content] = id
            } else {
                specials[content] = id
            }
        }
        return (specials, added)
    }

    /// `model.merges`: `"a b"` strings or `["a", "b"]` pairs, each with its number (from 1) for error messages.
    private static func mergeList(_ elements: [JSONDocument.StringElement]?, path: String) throws -> [(String, String, line: Int)] {
        guard let elements else {
            throw TokenizerError.wrongFormat(path: path, reason: "model.merges must be an array")
        }
        var merges: [(String, String, line: Int)] = []
        merges.reserveCapacity(elements.count)
        for (index, entry) in elements.enumerated() {
            if case .string(let string) = entry {
                let parts = string.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw TokenizerError.wrongFormat(path: path, reason: "merge \(index) is \(string.debugDescription), "
                        + "expected two tokens separated by one space")
                }
                merges.append((String(parts[0]), String(parts[1]), index + 1))
            } else if case .strings(let pair) = entry, pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty {
                merges.append((pair[0], pair[1], index + 1))
            } else {
                throw TokenizerError.wrongFormat(path: path, reason: "merge \(index) must be \"a b\" or [\"a\", \"b\"]")
            }
        }
        return merges
    }
}
