import Foundation

extension VocabularyLoader {
    /// The family scheme a `tokenizer.json` describes, from its normalizer and pre-tokenizer. Recognised:
    /// - `ByteLevel` (with its own GPT-2 regex): GPT-2;
    /// - `Sequence[Split(regex, Isolated), ByteLevel(use_regex: false)]` with GPT-2's, Llama 3's or Qwen2's regex;
    /// - `Sequence[Digits(individual_digits: true), ByteLevel]`: SmolLM2;
    /// - no normalizer, or `NFC`.
    ///
    /// - Throws: `TokenizerError.unknownSplitPattern` naming a regex this tokenizer does not implement, or
    ///   `.unsupported` naming the normalizer or pre-tokenizer steps.
    static func tokenizerJSONScheme(_ root: [String: Any], path: String) throws -> Scheme {
        var scheme = Scheme()
        scheme.normalization = try normalization(root["normalizer"], path: path)
        var steps: [[String: Any]] = []
        if let preTokenizer = root["pre_tokenizer"] as? [String: Any] {
            if preTokenizer["type"] as? String == "Sequence" {
                guard let list = preTokenizer["pretokenizers"] as? [[String: Any]] else {
                    throw TokenizerError.wrongFormat(path: path, reason: "pre_tokenizer.pretokenizers must be an array of objects")
                }
                steps = list
            } else {
                steps = [preTokenizer]
            }
        }
        let names = steps.map { $0["type"] as? String ?? "?" }
        func byteLevel(usesRegex: Bool) throws -> Bool {
            guard let last = steps.last, last["type"] as? String == "ByteLevel" else { return false }
            if last["add_prefix_space"] as? Bool == true {
                throw TokenizerError.unsupported(path: path, feature: "ByteLevel add_prefix_space: true")
            }
            return (last["use_regex"] as? Bool ?? true) == usesRegex
        }
        switch names {
        case ["ByteLevel"] where try byteLevel(usesRegex: true):
            scheme.pattern = .gpt2
        case ["Split", "ByteLevel"] where try byteLevel(usesRegex: false):
            scheme.pattern = try splitPattern(steps[0], path: path)
        case ["Digits", "ByteLevel"] where try byteLevel(usesRegex: true) && steps[0]["individual_digits"] as? Bool == true:
            scheme.pattern = .smolLM
        case ["ByteLevel"]:
            throw TokenizerError.unsupported(path: path, feature: "ByteLevel use_regex: false without a Split before it")
        default:
            throw TokenizerError.unsupported(path: path, feature: "pre_tokenizer [\(names.joined(separator: ", "))] "
                + "(known: ByteLevel; Split + ByteLevel; Digits + ByteLevel)")
        }
        return scheme
    }

    private static func normalization(_ value: Any?, path: String) throws -> Normalization {
        guard let value, !(value is NSNull) else { return Normalization.none }
        guard let normalizer = value as? [String: Any], let type = normalizer["type"] as? String else {
            throw TokenizerError.wrongFormat(path: path, reason: "normalizer must be null or an object with a \"type\"")
        }
        switch type {
        case "NFC":
            return .nfc
        case "Sequence" where (normalizer["normalizers"] as? [Any])?.isEmpty == true:
            return .none
        default:
            throw TokenizerError.unsupported(path: path, feature: "normalizer \(type) (known: none, NFC)")
        }
    }

    private static func splitPattern(_ split: [String: Any], path: String) throws -> SplitPattern {
        guard let pattern = split["pattern"] as? [String: Any], let regex = pattern["Regex"] as? String else {
            throw TokenizerError.unsupported(path: path, feature: "a Split pre-tokenizer without a \"Regex\" pattern")
        }
        let behavior = split["behavior"] as? String ?? "?"
        guard behavior == "Isolated", split["invert"] as? Bool != true else {
            throw TokenizerError.unsupported(path: path, feature: "Split behavior \(behavior) (known: Isolated, not inverted)")
        }
        guard let known = SplitPattern(splitRegex: regex) else {
            throw TokenizerError.unknownSplitPattern(path: path, pattern: regex)
        }
        return known
    }

    // MARK: Roles

    /// The special tokens' roles: `<|endoftext|>` ends text by default; the post-processor's template says which
    /// token it puts first or last; `tokenizer_config.json`, when there is one, names them and says whether they
    /// are added, and wins.
    static func tokenizerJSONRoles(_ root: [String: Any], vocabulary: Vocabulary, path: String,
                                   config: URL) throws -> SpecialTokenRoles {
        var roles = vocabulary.roles
        // An ordinary token is found through the shortcut: every token that encodes as itself.
        func id(of name: String, in file: String, key: String) throws -> Int {
            if let id = vocabulary.specials[name] ?? vocabulary.added[name]
                ?? vocabulary.shortcut.value(for: Array(name.utf8)).map({ Int($0) }) {
                return id
            }
            throw TokenizerError.wrongFormat(path: file, reason: "\(key) \(name.debugDescription) is not in the vocabulary")
        }
        if let template = singleTemplate(root["post_processor"]) {
            if let name = specialName(template.first) {
                roles.bos = try id(of: name, in: path, key: "post_processor's first token")
                roles.addsBOS = true
            }
            if template.count > 1, let name = specialName(template.last) {
                roles.eos = try id(of: name, in: path, key: "post_processor's last token")
                roles.addsEOS = true
            }
        }
        guard FileManager.default.fileExists(atPath: config.path) else { return roles }
        guard let settings = try readJSON(config) as? [String: Any] else {
            throw TokenizerError.wrongFormat(path: config.path, reason: "expected a JSON object at the top level")
        }
        let keys: [(String, WritableKeyPath<SpecialTokenRoles, Int?>)] = [("bos_token", \.bos), ("eos_token", \.eos),
                                                                          ("pad_token", \.padding)]
        for (key, role) in keys {
            guard let value = settings[key] else { continue }
            if value is NSNull {
                roles[keyPath: role] = nil
            } else if let name = value as? String ?? (value as? [String: Any])?["content"] as? String {
                roles[keyPath: role] = try id(of: name, in: config.path, key: key)
            } else {
                throw TokenizerError.wrongFormat(path: config.path, reason: "\(key) must be a token's text or null")
            }
        }
        if let adds = settings["add_bos_token"] as? Bool { roles.addsBOS = adds && roles.bos != nil }
        if let adds = settings["add_eos_token"] as? Bool { roles.addsEOS = adds && roles.eos != nil }
        return roles
    }

    /// The `single` template of a `TemplateProcessing` post-processor, also inside a `Sequence`.
    private static func singleTemplate(_ value: Any?) -> [Any]? {
        guard let processor = value as? [String: Any] else { return nil }
        switch processor["type"] as? String {
        case "TemplateProcessing":
            return processor["single"] as? [Any]
        case "Sequence":
            for inner in processor["processors"] as? [Any] ?? [] {
                if let template = singleTemplate(inner) { return template }
            }
            return nil
        default:
            return nil
        }
    }

    /// The token name of a `{"SpecialToken": {"id": name}}` template piece.
    private static func specialName(_ piece: Any?) -> String? {
        ((piece as? [String: Any])?["SpecialToken"] as? [String: Any])?["id"] as? String
    }
}
