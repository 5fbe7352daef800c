import Foundation
import Tokenizer

/// Where a task runs: on weights in this process, or on a serving engine.
///
/// Decided in one place for every part of gptls (the executable wiring backends, the local loader, the commands
/// that read one model): from the settings' and flags' endpoint (`BackendConfiguration.placements`) or the model a
/// path names (`init(model:task:)`), reading its manifest.
public enum TaskPlacement: Equatable, Sendable {
    case local(ModelSource)
    case remote(EndpointConfiguration)
}

extension TaskPlacement {
    /// Where `task` runs when `path` names its model; nil names the bundled model.
    ///
    /// A path may be a directory with `manifest.json` (local weights or a serving engine per task; a task the
    /// manifest does not name follows the completion task), a Hugging Face directory (config.json +
    /// model.safetensors), a single .safetensors file or a PyTorch .pth checkpoint (the book's `model.pth`,
    /// `review_classifier.pth`). A lone file without a tokenizer beside it uses GPT-2's, which gptls ships.
    public init(model path: String?, task: TaskKind) throws {
        let url = try Self.directory(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelLoadingError.notFound(path: url.path)
        }
        guard isDirectory.boolValue else {
            // A lone weights file: a tokenizer beside it if there is one, else GPT-2's.
            let directory = url.deletingLastPathComponent()
            self = .local(ModelSource(weights: url,
                                      tokenizerDirectory: BPETokenizer.hasVocabulary(in: directory) ? directory : nil))
            return
        }
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(ModelManifest.fileName).path) else {
            // A Hugging Face directory.
            self = .local(ModelSource(weights: url,
                                      tokenizerDirectory: BPETokenizer.hasVocabulary(in: url) ? url : nil))
            return
        }
        let manifest = try ModelManifest.load(from: url)
        let entry = manifest.tasks[task] ?? manifest.tasks[.completion]!
        let tokenizer = manifest.tokenizer == nil ? nil : url
        // The manifest has checked the name.
        let fim = FIMChoice(manifestName: entry.fim, order: entry.fimOrder) ?? .automatic
        if let endpoint = entry.endpoint {
            self = .remote(EndpointConfiguration(url: endpoint, model: entry.model, apiKeyVariable: entry.apiKeyEnv,
                                                 instruction: entry.instruction, tokenizerDirectory: tokenizer?.path,
                                                 contextTokens: entry.contextTokens, fim: fim))
            return
        }
        // The manifest has checked that an entry without an endpoint names weights.
        let path = entry.weights!
        let weights = path.hasPrefix("/") ? URL(fileURLWithPath: path) : url.appendingPathComponent(path)
        var input = ClassifierInput(maxTokens: entry.maxTokens)
        if entry.padToMaxTokens == true { input.padTokenId = entry.padTokenId ?? Self.gpt2EndOfText }
        self = .local(ModelSource(weights: weights, tokenizerDirectory: tokenizer,
                                  config: manifest.config.map { url.appendingPathComponent($0) },
                                  labels: entry.labels, instruction: entry.instruction,
                                  heads: entry.heads ?? manifest.heads, classifierInput: input, fim: fim))
    }

    /// `<|endoftext|>` of GPT-2's vocabulary: the book's padding token.
    static let gpt2EndOfText = 50256

    /// The file or directory `path` names, with `~` expanded; nil names the bundled model's directory.
    static func directory(_ path: String?) throws -> URL {
        try path.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? BundledModel.directory()
    }
}

extension BackendConfiguration {
    /// Where each task runs: every task on `endpoint` when the settings or flags name one (no model is looked for
    /// then), else where each task's model path says; a manifest's endpoint must pass `endpointPolicy`.
    public func placements() throws -> [TaskKind: TaskPlacement] {
        var placements: [TaskKind: TaskPlacement] = [:]
        for kind in TaskKind.allCases {
            let placement = try endpoint.map { .remote($0) } ?? TaskPlacement(model: models[kind], task: kind)
            if endpoint == nil, case .remote(let remote) = placement, let endpointPolicy, let path = models[kind] {
                try endpointPolicy.check(remote, manifest: path)
            }
            placements[kind] = placement
        }
        return placements
    }
}
