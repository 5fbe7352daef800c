import Tokenizer

extension GGUFFile {
    /// The tokenizer the file carries (its `tokenizer.ggml.*` keys), as `BPETokenizer(gguf:)` takes it; nil when the
    /// file has no `tokenizer.ggml.tokens`.
    ///
    /// Throws when a key is there with the wrong type, so a damaged vocabulary is not mistaken for a missing one.
    public func vocabulary() throws -> GGUFVocabulary? {
        guard metadata["tokenizer.ggml.tokens"] != nil else { return nil }
        func strings(_ key: String) throws -> [String]? {
            guard let value = metadata[key] else { return nil }
            guard let strings = value.strings else {
                throw GGUFError.wrongKeyType(file: fileName, key: key, expected: "an array of strings")
            }
            return strings
        }
        func string(_ key: String) throws -> String? {
            guard let value = metadata[key] else { return nil }
            guard let string = value.string else {
                throw GGUFError.wrongKeyType(file: fileName, key: key, expected: "a string")
            }
            return string
        }
        func int(_ key: String) throws -> Int? {
            guard let value = metadata[key] else { return nil }
            guard let int = value.int else {
                throw GGUFError.wrongKeyType(file: fileName, key: key, expected: "an integer")
            }
            return int
        }
        func bool(_ key: String) throws -> Bool? {
            guard let value = metadata[key] else { return nil }
            guard let bool = value.bool else {
                throw GGUFError.wrongKeyType(file: fileName, key: key, expected: "a bool")
            }
            return bool
        }
        var types: [Int32]?
        if let value = metadata["tokenizer.ggml.token_type"] {
            guard let ints = value.ints, ints.allSatisfy({ Int32(exactly: $0) != nil }) else {
                throw GGUFError.wrongKeyType(file: fileName, key: "tokenizer.ggml.token_type",
                                             expected: "an array of 32-bit integers")
            }
            types = ints.map { Int32($0) }
        }
        let p = "tokenizer.ggml."
        return GGUFVocabulary(
            model: try string(p + "model") ?? "", pre: try string(p + "pre"), tokens: try strings(p + "tokens") ?? [],
            tokenTypes: types, merges: try strings(p + "merges") ?? [], bosTokenID: try int(p + "bos_token_id"),
            eosTokenID: try int(p + "eos_token_id"), eotTokenID: try int(p + "eot_token_id"),
            eomTokenID: try int(p + "eom_token_id"), paddingTokenID: try int(p + "padding_token_id"),
            addBOSToken: try bool(p + "add_bos_token"), addEOSToken: try bool(p + "add_eos_token"), source: url.path)
    }

    /// `tokenizer.chat_template`: the Jinja template an instruct model's conversations are written in; nil when the
    /// file has none or it is not a string.
    public var chatTemplate: String? { metadata["tokenizer.chat_template"]?.string }
}
