import Foundation
import JSON

/// `manifest.json` of a model directory: which weights (or which serving engine) serve which task, with which
/// tokenizer and labels.
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
/// spam classifier expects (`"max_tokens": 120, "pad_to_max_tokens": true`). A task served by an engine has
/// `endpoint` and, where the engine serves several models, `model` (without it, the engine's only model); in a
/// manifest that gives the tokenizer its prompts are windowed in tokens, filling `context_tokens` (default 1024);
/// without the tokenizer, in characters. `fim` names the completion model's fill-in-the-middle layout where its
/// tokenizer does not show it (an engine's model; see `FIMFormat`), or `"none"` to turn it off; `fim_order` the
/// order of its parts (`"psm"`, the default, or `"spm"`). Read with the JSON module; unknown members are ignored.
public struct ModelManifest: Sendable {
    public struct Tokenizer: Sendable {
        public var vocab: String
        public var merges: String
    }

    public struct Task: Sendable {
        /// Local weights; nil when a serving engine runs the task (`endpoint`).
        public var weights: String?
        public var endpoint: String?
        /// The model name on the endpoint; nil for the only one it serves.
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
        /// The model's fill-in-the-middle layout (`"qwen"`, `"starcoder"`, `"codellama"`, or `"none"` to continue
        /// the prefix alone); without it, recognised from the tokenizer where gptls has one.
        public var fim: String?
        /// The order of the FIM prompt's parts the model was trained with: `"psm"` (prefix, suffix, middle; the
        /// default) or `"spm"` (suffix first; see `FIMFormat.Order`).
        public var fimOrder: String?
    }

    public var name: String?
    public var format: String
    public var config: String?
    public var heads: Int?
    public var tokenizer: Tokenizer?
    public var tasks: [TaskKind: Task]

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
        do {
            let manifest = try ModelManifest(json: try JSONValue.parse(data))
            try manifest.check()
            return manifest
        } catch let error as JSONError {
            throw ModelLoadingError.badManifest(path: url.path, reason: "it is not valid JSON: \(error)")
        } catch let error as ManifestProblem {
            throw ModelLoadingError.badManifest(path: url.path, reason: error.reason)
        }
    }

    /// The rules the types alone do not say.
    private func check() throws(ManifestProblem) {
        guard format == Self.supportedFormat else {
            throw ManifestProblem("format is \"\(format)\", expected \"\(Self.supportedFormat)\"")
        }
        guard tasks[.completion] != nil else { throw ManifestProblem("it names no weights for the completion task") }
        if let heads, heads <= 0 { throw ManifestProblem("heads is \(heads), expected a positive integer") }
        for kind in TaskKind.allCases {
            guard let task = tasks[kind] else { continue }
            let name = kind.rawValue
            if (task.weights == nil) == (task.endpoint == nil) {
                throw ManifestProblem("tasks.\(name) needs either \"weights\" or \"endpoint\"")
            }
            if let heads = task.heads, heads <= 0 {
                throw ManifestProblem("tasks.\(name).heads is \(heads), expected a positive integer")
            }
            if let maxTokens = task.maxTokens, maxTokens <= 0 {
                throw ManifestProblem("tasks.\(name).max_tokens is \(maxTokens), expected a positive integer")
            }
            if let context = task.contextTokens, context < 2 {
                throw ManifestProblem("tasks.\(name).context_tokens is \(context), expected at least 2")
            }
            if let fim = task.fim, FIMChoice(manifestName: fim) == nil {
                let names = FIMFormat.Family.allCases.map { "\"\($0.rawValue)\"" } + ["\"none\""]
                throw ManifestProblem("tasks.\(name).fim is \"\(fim)\", expected one of \(names.joined(separator: ", "))")
            }
            if let order = task.fimOrder, FIMFormat.Order(rawValue: order) == nil {
                let names = FIMFormat.Order.allCases.map { "\"\($0.rawValue)\"" }
                throw ManifestProblem("tasks.\(name).fim_order is \"\(order)\", expected one of \(names.joined(separator: ", "))")
            }
            if task.padToMaxTokens == true, task.maxTokens == nil {
                throw ManifestProblem("tasks.\(name).pad_to_max_tokens needs max_tokens, the length to pad to")
            }
        }
    }
}
