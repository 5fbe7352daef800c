import JSON

extension ModelManifest {
    /// The manifest a parsed `manifest.json` spells; a member of the wrong type is a problem that names it.
    init(json: JSONValue) throws(ManifestProblem) {
        let root = try ManifestObject(json, at: "the manifest")
        guard let format = try root.string("format") else {
            throw ManifestProblem("format is missing, expected \"\(Self.supportedFormat)\"")
        }
        guard let tasks = try root.object("tasks") else { throw ManifestProblem("tasks is missing") }
        self.format = format
        name = try root.string("name")
        config = try root.string("config")
        heads = try root.int("heads")
        tokenizer = nil
        if let files = try root.object("tokenizer") {
            guard let vocab = try files.string("vocab"), let merges = try files.string("merges") else {
                throw ManifestProblem("tokenizer needs \"vocab\" and \"merges\"")
            }
            tokenizer = Tokenizer(vocab: vocab, merges: merges)
        }
        self.tasks = [:]
        for (name, value) in tasks.object.members {
            guard let kind = TaskKind(rawValue: name) else { throw ManifestProblem("unknown task \"\(name)\"") }
            let entry = try ManifestObject(value, at: "tasks.\(name)")
            self.tasks[kind] = Task(
                weights: try entry.string("weights"), endpoint: try entry.string("endpoint"),
                model: try entry.string("model"), apiKeyEnv: try entry.string("api_key_env"),
                promptFormat: try entry.string("prompt_format"), instruction: try entry.string("instruction"),
                labels: try entry.strings("labels"), maxTokens: try entry.int("max_tokens"),
                padToMaxTokens: try entry.bool("pad_to_max_tokens"), padTokenId: try entry.int("pad_token_id"),
                heads: try entry.int("heads"), contextTokens: try entry.int("context_tokens"),
                fim: try entry.string("fim"), fimOrder: try entry.string("fim_order"))
        }
    }
}

/// Why a manifest's content cannot be used, as the end of a sentence that starts with the file's path.
struct ManifestProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// An object of the manifest, read member by member with its type checked; `null` reads as absent.
struct ManifestObject {
    let object: JSONObject
    /// Where the object is, for messages: "the manifest", "tasks.classify".
    let place: String

    init(_ value: JSONValue, at place: String) throws(ManifestProblem) {
        guard case .object(let object) = value else {
            throw ManifestProblem("\(place) must be an object, not \(value.typeName)")
        }
        self.object = object
        self.place = place
    }

    func string(_ key: String) throws(ManifestProblem) -> String? {
        try member(key, "a string") { $0.string }
    }

    func int(_ key: String) throws(ManifestProblem) -> Int? {
        try member(key, "an integer") { $0.int }
    }

    func bool(_ key: String) throws(ManifestProblem) -> Bool? {
        try member(key, "true or false") { $0.bool }
    }

    func strings(_ key: String) throws(ManifestProblem) -> [String]? {
        try member(key, "an array of strings") { value in
            guard let elements = value.array else { return nil }
            let strings = elements.compactMap(\.string)
            return strings.count == elements.count ? strings : nil
        }
    }

    func object(_ key: String) throws(ManifestProblem) -> ManifestObject? {
        guard let value = object[key], !value.isNull else { return nil }
        return try ManifestObject(value, at: name(key))
    }

    private func member<T>(_ key: String, _ expected: String,
                           _ read: (JSONValue) -> T?) throws(ManifestProblem) -> T? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let typed = read(value) else {
            throw ManifestProblem("\(name(key)) must be \(expected), not \(value.jsonText.prefix(80))")
        }
        return typed
    }

    /// The member's name as messages write it: `format`, `tasks.classify.labels`.
    private func name(_ key: String) -> String { place == "the manifest" ? key : "\(place).\(key)" }
}
