import Foundation

/// Local weights as one task uses them: the file, its tokenizer and configuration, and the manifest's settings.
public struct ModelSource: Equatable, Sendable {
    /// A .safetensors file, a PyTorch .pth checkpoint, or a Hugging Face directory's model.safetensors.
    public var weights: URL
    /// vocab.json + merges.txt; nil for GPT-2's, which gptls ships.
    public var tokenizerDirectory: URL?
    /// The manifest's config.json, for weights whose shape does not say it all.
    public var config: URL?
    /// A classifier's label names from the manifest (they override the weights' own).
    public var labels: [String]?
    /// The instruction of summary prompts.
    public var instruction: String?
    /// Head count from the manifest, for weights of an unusual width.
    public var heads: Int?
    /// How a classifier's input is cut and padded (the manifest's max_tokens, pad_to_max_tokens, pad_token_id).
    public var classifierInput: ClassifierInput
    /// Whether completions use fill-in-the-middle (the manifest's `fim`; by default where the tokenizer has it).
    public var fim: FIMChoice

    public init(weights: URL, tokenizerDirectory: URL? = nil, config: URL? = nil, labels: [String]? = nil,
                instruction: String? = nil, heads: Int? = nil, classifierInput: ClassifierInput = ClassifierInput(),
                fim: FIMChoice = .automatic) {
        self.fim = fim
        self.weights = weights
        self.tokenizerDirectory = tokenizerDirectory
        self.config = config
        self.labels = labels
        self.instruction = instruction
        self.heads = heads
        self.classifierInput = classifierInput
    }
}

extension ModelSource {
    /// The local weights `path` names for `task` (nil: the bundled model); a task its manifest sends to a serving
    /// engine is refused.
    public init(model path: String?, task: TaskKind) throws {
        switch try TaskPlacement(model: path, task: task) {
        case .local(let source): self = source
        case .remote(let endpoint):
            let manifest = try TaskPlacement.directory(path).appendingPathComponent(ModelManifest.fileName)
            throw ModelLoadingError.servedByEndpoint(manifest: manifest.path, task: task, endpoint: endpoint.url)
        }
    }
}
