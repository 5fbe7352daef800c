import Foundation

/// `manifest.json` of a model directory: which weights serve which task, with which tokenizer and labels.
///
/// ```json
/// {"name": "...", "format": "gptls-manifest-1", "config": "config.json",
///  "tokenizer": {"vocab": "vocab.json", "merges": "merges.txt"},
///  "tasks": {"completion": {"weights": "completion.safetensors"},
///            "summarize": {"weights": "summarize.safetensors", "prompt_format": "alpaca",
///                          "instruction": "Summarize the following code."},
///            "classify": {"weights": "classify.safetensors", "labels": ["python", "swift"], "max_tokens": 256}}}
/// ```
///
/// `weights` may be a `.safetensors` file or a PyTorch `.pth` checkpoint, relative to the directory or absolute.
/// `heads` (top level, or per task) gives the attention head count of weights whose width is not a standard GPT-2
/// size. A classifier's `max_tokens` keeps the first that many tokens; `pad_to_max_tokens` pads shorter inputs to
/// `max_tokens` with `pad_token_id` (default `<|endoftext|>`) and reads the last position, as the book's chapter 6
/// spam classifier expects (`"max_tokens": 120, "pad_to_max_tokens": true`). A task served by an engine
/// (`endpoint` + `model`) in a manifest that gives the tokenizer has its prompts windowed in tokens, filling
/// `context_tokens` (default 1024); without the tokenizer, in characters.
public struct ModelManifest: Decodable, Sendable {
    public struct Tokenizer: Decodable, Sendable {
        public var vocab: String
        public var merges: String
    }

    public struct Task: Decodable, Sendable {
        /// Local weights; nil when a serving engine runs the task (`endpoint` + `model`).
        public var weights: String?
        public var endpoint: String?
        public var model: String?
        /// The environment variable that holds the endpoint's API key.
        public var apiKeyEnv: String?
        public var promptFormat: String?
        public var instruction: String?
        public var labels: [String]?
        public var maxTokens: Int?
        public var padToMaxTokens: Bool?
        public var padTokenId: Int?
        public var heads: Int?
        /// The context in tokens of an endpoint's model, which prompt windows fill when the manifest gives the
        /// tokenizer (default 1024, GPT-2's).
        public var contextTokens: Int?

        enum CodingKeys: String, CodingKey {
            case weights, labels, instruction, heads, endpoint, model
            case apiKeyEnv = "api_key_env"
            case contextTokens = "context_tokens"
            case promptFormat = "prompt_format"
            case maxTokens = "max_tokens"
            case padToMaxTokens = "pad_to_max_tokens"
            case padTokenId = "pad_token_id"
        }
    }

    public var name: String?
    public var format: String
    public var config: String?
    public var heads: Int?
    public var tokenizer: Tokenizer?
    public var tasks: [String: Task]

    public static let fileName = "manifest.json"
    static let supportedFormat = "gptls-manifest-1"

    /// Reads and checks `directory/manifest.json`.
    public static func load(from directory: URL) throws -> ModelManifest {
        let url = directory.appendingPathComponent(fileName)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelLoadingError.unreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        let manifest: ModelManifest
        do {
            manifest = try JSONDecoder().decode(ModelManifest.self, from: data)
        } catch {
            throw ModelLoadingError.badManifest(path: url.path, reason: "\(error)")
        }
        guard manifest.format == supportedFormat else {
            throw ModelLoadingError.badManifest(path: url.path,
                                                reason: "format is \"\(manifest.format)\", expected \"\(supportedFormat)\"")
        }
        for name in manifest.tasks.keys where !["completion", "summarize", "classify"].contains(name) {
            throw ModelLoadingError.badManifest(path: url.path, reason: "unknown task \"\(name)\"")
        }
        guard manifest.tasks["completion"] != nil else {
            throw ModelLoadingError.badManifest(path: url.path, reason: "it names no weights for the completion task")
        }
        if let heads = manifest.heads, heads <= 0 {
            throw ModelLoadingError.badManifest(path: url.path, reason: "heads is \(heads), expected a positive integer")
        }
        for (name, task) in manifest.tasks.sorted(by: { $0.key < $1.key }) {
            if (task.weights == nil) == (task.endpoint == nil) {
                throw ModelLoadingError.badManifest(
                    path: url.path, reason: "tasks.\(name) needs either \"weights\" or \"endpoint\" (with \"model\")")
            }
            if task.endpoint != nil, task.model?.isEmpty ?? true {
                throw ModelLoadingError.badManifest(
                    path: url.path, reason: "tasks.\(name).endpoint needs \"model\", the name the server serves")
            }
            if let heads = task.heads, heads <= 0 {
                throw ModelLoadingError.badManifest(
                    path: url.path, reason: "tasks.\(name).heads is \(heads), expected a positive integer")
            }
            if let maxTokens = task.maxTokens, maxTokens <= 0 {
                throw ModelLoadingError.badManifest(
                    path: url.path, reason: "tasks.\(name).max_tokens is \(maxTokens), expected a positive integer")
            }
            if let context = task.contextTokens, context < 2 {
                throw ModelLoadingError.badManifest(
                    path: url.path, reason: "tasks.\(name).context_tokens is \(context), expected at least 2")
            }
            if task.padToMaxTokens == true, task.maxTokens == nil {
                throw ModelLoadingError.badManifest(
                    path: url.path, reason: "tasks.\(name).pad_to_max_tokens needs max_tokens, the length to pad to")
            }
        }
        return manifest
    }
}

/// Why a model could not be loaded for serving.
public enum ModelLoadingError: Error, CustomStringConvertible, Equatable {
    case notFound(path: String)
    case unreadable(path: String, reason: String)
    case badManifest(path: String, reason: String)
    case noBundledModel(searched: [String])
    /// Every task is served by an endpoint: there is nothing to load here.
    case noLocalTask

    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): no such file or directory"
        case .unreadable(let path, let reason): return "\(path): cannot be read: \(reason)"
        case .badManifest(let path, let reason): return "\(path): \(reason)"
        case .noBundledModel(let searched):
            return "the bundled model was not found (looked in \(searched.joined(separator: ", "))); "
                + "pass --model PATH, set GPTLS_MODEL_DIR to a model directory, or install gptls with scripts/install "
                + "(it puts the model in share/gptls/models/default beside the binary's bin/)"
        case .noLocalTask: return "every task is served by an endpoint; no local model is configured"
        }
    }
}
