import Foundation

/// Finds and reads the vocabulary files of a model directory, in whichever form they come.
///
/// Forms, in the order they are looked for: `tokenizer.json` (Hugging Face tokenizers), `vocab.json` + `merges.txt`
/// (Hugging Face), `encoder.json` + `vocab.bpe` (OpenAI), a `*.tiktoken` rank file, Llama 3's `tokenizer.model` rank
/// file. GGUF metadata comes already parsed (`loadGGUF`). Stateless.
enum VocabularyLoader {
    /// The vocabulary files found in `directory`, or nil if it holds none of the forms.
    static func form(in directory: URL) -> Form? {
        let manager = FileManager.default
        func exists(_ name: String) -> Bool { manager.fileExists(atPath: directory.appendingPathComponent(name).path) }
        if exists("tokenizer.json") { return .tokenizerJSON(directory.appendingPathComponent("tokenizer.json")) }
        // One file of a pair without the other is reported as the missing file when loading.
        if exists("vocab.json") || exists("merges.txt") {
            return .mergeList(vocabulary: directory.appendingPathComponent("vocab.json"),
                              merges: directory.appendingPathComponent("merges.txt"))
        }
        if exists("encoder.json") || exists("vocab.bpe") {
            return .mergeList(vocabulary: directory.appendingPathComponent("encoder.json"),
                              merges: directory.appendingPathComponent("vocab.bpe"))
        }
        let names = (try? manager.contentsOfDirectory(atPath: directory.path)) ?? []
        if let rankFile = names.filter({ $0.hasSuffix(".tiktoken") }).sorted().first {
            return .tiktoken(directory.appendingPathComponent(rankFile))
        }
        if exists("tokenizer.model") { return .llama3Tiktoken(directory.appendingPathComponent("tokenizer.model")) }
        return nil
    }

    /// The form of a single vocabulary file, by its name: `tokenizer.json` (any `*.json` holding a `model`),
    /// `*.tiktoken`, `tokenizer.model` (any `*.model`); nil for a name that is none of them.
    static func form(ofFile file: URL) -> Form? {
        let name = file.lastPathComponent
        if name.hasSuffix(".json") { return .tokenizerJSON(file) }
        if name.hasSuffix(".tiktoken") { return .tiktoken(file) }
        if name.hasSuffix(".model") { return .llama3Tiktoken(file) }
        return nil
    }

    enum Form {
        case tokenizerJSON(URL)
        case mergeList(vocabulary: URL, merges: URL)
        case tiktoken(URL)
        case llama3Tiktoken(URL)
    }

    static func load(directory: URL) throws -> Vocabulary {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw TokenizerError.missingFile(path: directory.path)
        }
        guard isDirectory.boolValue else {
            throw TokenizerError.wrongFormat(path: directory.path, reason: "expected a model directory, found a file")
        }
        guard let form = form(in: directory) else { throw TokenizerError.noVocabulary(directory: directory.path) }
        return try load(form)
    }

    static func load(_ form: Form) throws -> Vocabulary {
        switch form {
        case .tokenizerJSON(let file): return try loadTokenizerJSON(file)
        case .mergeList(let vocabulary, let merges): return try loadMergeList(vocabulary: vocabulary, merges: merges)
        case .tiktoken(let file): return try loadTiktoken(file)
        case .llama3Tiktoken(let file): return try loadLlama3Tiktoken(file)
        }
    }

    // MARK: Reading files

    static func readData(_ file: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: file.path) else { throw TokenizerError.missingFile(path: file.path) }
        do {
            return try Data(contentsOf: file)
        } catch {
            throw TokenizerError.unreadable(path: file.path, reason: error.localizedDescription)
        }
    }

    static func readText(_ file: URL) throws -> String {
        let data = try readData(file)
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.wrongFormat(path: file.path, reason: "not UTF-8 text")
        }
        return text
    }

    static func readJSON(_ file: URL) throws -> Any {
        let data = try readData(file)
        do {
            return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            let reason = data.isEmpty ? "the file is empty" : detail
            throw TokenizerError.invalidJSON(path: file.path, reason: reason)
        }
    }

    // MARK: Merge lists (vocab.json + merges.txt, encoder.json + vocab.bpe, tokenizer.json)

    /// Token string -> id from a JSON object of byte-level token strings.
    static func tokenIDs(_ json: Any, path: String, what: String) throws -> [String: Int] {
        guard let object = json as? [String: Any] else {
            throw TokenizerError.wrongFormat(path: path, reason: "\(what) must be a JSON object of token -> id")
        }
        var ids: [String: Int] = [:]
        ids.reserveCapacity(object.count)
        for (token, value) in object {
            guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue), id >= 0, id < 1 << 24 else {
                throw TokenizerError.wrongFormat(path: path, reason: "token \(token.debugDescription) has id \(value), "
                    + "expected an integer in 0..<16777216")
            }
            ids[token] = id
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
