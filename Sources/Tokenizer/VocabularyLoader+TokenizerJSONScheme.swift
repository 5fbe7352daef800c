import Foundation
import JSON

extension VocabularyLoader {
    /// The family scheme a `tokenizer.json` describes, from its normalizer and pre-tokenizer. Recognised:
    /// - `ByteLevel` (with its own GPT-2 regex): GPT-2;
    /// - `Sequence[Split(regex, Isolated), ByteLevel(use_regex: false)]` with GPT-2's, Llama 3's or Qwen2's regex;
    /// - `Sequence[Digits(individual_digits: true), ByteLevel]`: SmolLM2;
    /// - no normalizer, or `NFC`.
    ///
    /// - Throws: `TokenizerError.unknownSplitPattern` naming a regex this tokenizer does not implement, or
    ///   `.unsupported` naming the normalizer or pre-tokenizer steps.
    static func tokenizerJSONScheme(_ root: JSONValue, path: String) throws -> Scheme {
        var scheme = Scheme()
        scheme.normalization = try normalization(root["normalizer"], path: path)
        var steps: [JSONValue] = []
        if let preTokenizer = root["pre_tokenizer"], preTokenizer.object != nil {
            if preTokenizer["type"]?.string == "Sequence" {
                guard let list = preTokenizer["pretokenizers"]?.array, list.allSatisfy({ $0.object != nil }) else {
                    throw TokenizerError.wrongFormat(path: path, reason: "pre_tokenizer.pretokenizers must be an array of objects")
                }
                steps = list
            } else {
                steps = [preTokenizer]
            }
        }
        let names = steps.map { $0["type"]?.string ?? "?" }
        func byteLevel(usesRegex: Bool) throws -> Bool {
            guard let last = steps.last, last["type"]?.string == "ByteLevel" else { return false }
            if last["add_prefix_space"]?.bool == true {
                throw TokenizerError.unsupported(path: path, feature: "ByteLevel add_prefix_space: true")
            }
            return (last["use_regex"]?.bool ?? true) == usesRegex
        }
        switch names {
        case ["ByteLevel"] where try byteLevel(usesRegex: true):
            scheme.pattern = .gpt2
        case ["Split", "ByteLevel"] where try byteLevel(usesRegex: false):
            scheme.pattern = try splitPattern(steps[0], path: path)
        case ["Digits", "ByteLevel"] where try byteLevel(usesRegex: true) && steps[0]["individual_digits"]?.bool == true:
            scheme.pattern = .smolLM
        case ["ByteLevel"]:
            throw TokenizerError.unsupported(path: path, feature: "ByteLevel use_regex: false without a Split before it")
        default:
            throw TokenizerError.unsupported(path: path, feature: "pre_tokenizer [\(names.joined(separator: ", "))] "
                + "(known: ByteLevel; Split + ByteLevel; Digits + ByteLevel)")
        }
        return scheme
    }

    private static func normalization(_ value: JSONValue?, path: String) throws -> Normalization {
        guard let value, !value.isNull else { return Normalization.none }
        guard let type = value["type"]?.string else {
            throw TokenizerError.wrongFormat(path: path, reason: "normalizer must be null or an object with a \"type\"")
        }
        switch type {
        case "NFC":
            return .nfc
        case "Sequence" where value["normalizers"]?.array?.isEmpty == true:
            return .none
        default:
            throw TokenizerError.unsupported(path: path, feature: "normalizer \(type) (known: none, NFC)")
        }
    }

    private static func splitPattern(_ split: JSONValue, path: String) throws -> SplitPattern {
        guard let regex = split["pattern"]?["Regex"]?.string else {
            throw TokenizerError.unsupported(path: path, feature: "a Split pre-tokenizer without a \"Regex\" pattern")
        }
        let behavior = split["behavior"]?.string ?? "?"
        guard behavior == "Isolated", split["invert"]?.bool != true else {
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
    static func tokenizerJSONRoles(_ root: JSONValue, vocabulary: Vocabulary, path: String,
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
        let settings = try readJSON(config)
        guard settings.object != nil else {
            throw TokenizerError.wrongFormat(path: config.path, reason: "expected a JSON object at the top level")
        }
        let keys: [(String, WritableKeyPath<SpecialTokenRoles, Int?>)] = [("bos_token", \.bos), ("eos_token", \.eos),
                                                                          ("pad_token", \.padding)]
        for (key, role) in keys {
            guard let value = settings[key] else { continue }
            if value.isNull {
                roles[keyPath: role] = nil
            } else if let name = value.string ?? value["content"]?.string {
                roles[keyPath: role] = try id(of: name, in: config.path, key: key)
            } else {
                throw TokenizerError.wrongFormat(path: config.path, reason: "\(key) must be a token's text or null")
            }
        }
        if let adds = settings["add_bos_token"]?.bool { roles.addsBOS = adds && roles.bos != nil }
        if let adds = settings["add_eos_token"]?.bool { roles.addsEOS = adds && roles.eos != nil }
        return roles
    }

    /// The `single` template of a `TemplateProcessing` post-processor, also inside a `Sequence`.
    private static func singleTemplate(_ processor: JSONValue?) -> [JSONValue]? {
        guard let processor else { return nil }
        switch processor["type"]?.string {
        case "TemplateProcessing":
            return processor["single"]?.array
        case "Sequence":
            for inner in processor["processors"]?.array ?? [] {
                if let template = singleTemplate(inner) { return template }
            }
            return nil
        default:
            return nil
        }
    }

    /// The token name of a `{"SpecialToken": {"id": name}}` template piece.
    private static func specialName(_ piece: JSONValue?) -> String? {
        piece?["SpecialToken"]?["id"]?.string
    }
}
