import Foundation
import JSON

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

    /// A JSON file's value, read with the `JSON` module like every other JSON input.
    static func readJSON(_ file: URL) throws -> JSONValue {
        try readJSONDocument(file).value()!
    }

    /// A large JSON file, kept in the parser's tree so that its big members are read without copies in between.
    static func readJSONDocument(_ file: URL) throws -> JSONDocument {
        let data = try readData(file)
        do {
            return try JSONDocument(parsing: data)
        } catch {
            throw TokenizerError.invalidJSON(path: file.path, reason: data.isEmpty ? "the file is empty" : "\(error)")
        }
    }
}
