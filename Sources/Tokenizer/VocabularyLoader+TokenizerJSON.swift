import Foundation

extension VocabularyLoader {
    /// Hugging Face `tokenizer.json` with a BPE model and a ByteLevel pre-tokenizer; merges as `"a b"` strings or as
    /// `["a", "b"]` pairs; `added_tokens` become special tokens.
    static func loadTokenizerJSON(_ file: URL) throws -> Vocabulary {
        let path = file.path
        guard let root = try readJSON(file) as? [String: Any] else {
            throw TokenizerError.wrongFormat(path: path, reason: "expected a JSON object at the top level")
        }
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError.wrongFormat(path: path, reason: "no \"model\" object")
        }
        let type = model["type"] as? String ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupported(path: path, feature: "model type \(type)") }
        try checkByteLevel(root, path: path)
        for option in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[option] as? String, !value.isEmpty {
                throw TokenizerError.unsupported(path: path, feature: "model.\(option) \(value.debugDescription)")
            }
        }
        for option in ["byte_fallback", "ignore_merges"] where model[option] as? Bool == true {
            throw TokenizerError.unsupported(path: path, feature: "model.\(option): true")
        }
        guard let vocabulary = model["vocab"] else {
            throw TokenizerError.wrongFormat(path: path, reason: "model has no \"vocab\"")
        }
        let ids = try tokenIDs(vocabulary, path: path, what: "model.vocab")
        guard let mergeList = model["merges"] as? [Any] else {
            throw TokenizerError.wrongFormat(path: path, reason: "model.merges must be an array")
        }
        var merges: [(String, String, line: Int)] = []
        merges.reserveCapacity(mergeList.count)
        for (index, entry) in mergeList.enumerated() {
            if let string = entry as? String {
                let parts = string.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw TokenizerError.wrongFormat(path: path, reason: "merge \(index) is \(string.debugDescription), "
                        + "expected two tokens separated by one space")
                }
                merges.append((String(parts[0]), String(parts[1]), index + 1))
            } else if let pair = entry as? [Any], pair.count == 2, let left = pair[0] as? String, let right = pair[1] as? String {
                merges.append((left, right, index + 1))
            } else {
                throw TokenizerError.wrongFormat(path: path, reason: "merge \(index) must be \"a b\" or [\"a\", \"b\"]")
            }
        }
        var added: [String: Int] = [:]
        for entry in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = entry["content"] as? String, let number = entry["id"] as? NSNumber,
                  let id = Int(exactly: number.doubleValue), id >= 0, id < 1 << 24 else {
                throw TokenizerError.wrongFormat(path: path, reason: "added_tokens entries need a \"content\" string "
                    + "and an \"id\" in 0..<16777216")
            }
            added[content] = id
        }
        // Merge line numbers count merges from 1 here, which is what the error messages show.
        return try buildFromMergeList(ids: ids, vocabularyPath: path, merges: merges, mergesPath: path, added: added)
    }

    /// Only GPT-2's scheme is implemented: ByteLevel pre-tokenization with the GPT-2 pattern and no prefix space,
    /// and no normalizer.
    private static func checkByteLevel(_ root: [String: Any], path: String) throws {
        if let normalizer = root["normalizer"], !(normalizer is NSNull) {
            throw TokenizerError.unsupported(path: path, feature: "a normalizer")
        }
        var steps: [[String: Any]] = []
        if let preTokenizer = root["pre_tokenizer"] as? [String: Any] {
            steps = preTokenizer["type"] as? String == "Sequence"
                ? preTokenizer["pretokenizers"] as? [[String: Any]] ?? [] : [preTokenizer]
        }
        guard steps.count == 1, steps[0]["type"] as? String == "ByteLevel" else {
            let names = steps.map { $0["type"] as? String ?? "?" }.joined(separator: ", ")
            throw TokenizerError.unsupported(path: path, feature: "pre_tokenizer [\(names)] (only ByteLevel is)")
        }
        if steps[0]["add_prefix_space"] as? Bool == true {
            throw TokenizerError.unsupported(path: path, feature: "ByteLevel add_prefix_space: true")
        }
        if steps[0]["use_regex"] as? Bool == false {
            throw TokenizerError.unsupported(path: path, feature: "ByteLevel use_regex: false")
        }
    }
}
