/// A serving engine's OpenAI-compatible API as the configuration names it: a base URL, a model name, and the
/// environment variable that holds its API key (the key itself never sits in a settings or manifest file).
///
/// Without a model name the engine is asked which model it serves (`GET /models`) when the backend is made, and its
/// only model is used.
public struct EndpointConfiguration: Equatable, Hashable, Sendable {
    /// `http://host:port/v1`.
    public var url: String
    /// The model name the engine serves; nil to use the only one it serves.
    public var model: String?
    public var apiKeyVariable: String?
    /// The instruction of summary prompts, where the manifest's task entry gives one.
    public var instruction: String?
    /// The directory of the model's tokenizer (vocab.json, merges.txt), where a manifest names one: prompt windows
    /// and metrics are then in tokens; without it they are in characters.
    public var tokenizerDirectory: String?
    /// The model's context in tokens, where the manifest's task entry gives it (`context_tokens`).
    public var contextTokens: Int?
    /// Whether completions use fill-in-the-middle, and in which layout (the manifest's `fim`).
    public var fim: FIMChoice

    public init(url: String, model: String? = nil, apiKeyVariable: String? = nil, instruction: String? = nil,
                tokenizerDirectory: String? = nil, contextTokens: Int? = nil, fim: FIMChoice = .automatic) {
        self.fim = fim
        self.url = url
        self.model = model
        self.apiKeyVariable = apiKeyVariable
        self.instruction = instruction
        self.tokenizerDirectory = tokenizerDirectory
        self.contextTokens = contextTokens
    }
}
