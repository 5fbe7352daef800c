import JSON
import JSONRPC
import Tasks

/// The user's configuration: `initializationOptions` or `workspace/didChangeConfiguration` settings.
///
/// Documented by protocol/schema/configuration.schema.json. Fields that a message leaves out keep their value.
/// What a message may choose is limited by `endpointPolicy`, since editors read these settings from files a
/// repository can ship: an endpoint only on loopback or among those the command line allowed, never a key variable.
public struct Settings: Equatable, Sendable {
    /// Model for every task; nil means the bundled model.
    public var model: String?
    /// Per-task overrides of `model`.
    public var models: [TaskKind: String] = [:]
    public var maxTokens = 48
    public var summaryMaxTokens = 64
    public var temperature = 0.0
    public var completionMode = CompletionMode.auto
    public var deadlineMs = 2000
    /// Show a fill-in-the-middle model chunks of the other open documents and recent edits (see `WorkspaceContext`).
    public var context = true
    /// Tokens of a completion prompt the workspace context may take at most.
    public var contextBudget = 1024
    /// How much a greedy completion copies what followed the same tokens in its prompt's text (`CopyMixture`);
    /// 0 decodes the model alone. 0.4: the best of 0.2-0.7 on the completion evaluation (docs/benchmarks/journal.md).
    public var copyWeight = 0.4
    /// KV cache budget of all the models together, in MiB; nil scales it to the models.
    public var cacheBudgetMB: Int?
    /// Reuse cached prompt prefixes; false only to measure what the cache saves.
    public var prefixCache = true
    /// Draft greedy completions' next tokens from the document (command line only: output is the same either way).
    public var promptLookup = true
    /// Longest time one engine step of prompt computation should take, in milliseconds; 0 cuts prompts by token
    /// count alone (command line only).
    public var stepMs = BackendConfiguration.defaultStepMs
    /// Answer from earlier suggestions while the user types them, and compute the completion after a suggestion's
    /// acceptance ahead of time; false sends every completion to the model.
    public var completionCache = true
    /// How the models' matrices are held: f32 (exact: what PyTorch computes), bf16 (half f32's memory traffic; on
    /// the bundled model the same perplexity as f32 and 99.6% of its top-1 tokens) or int8 (a quarter of f32's
    /// traffic; logits differ more). nil, the default, picks per model: int8 for a file stored in quantized blocks
    /// (a GGUF Q8_0 or Q4_K_M, whose blocks it keeps or reads as int8), bf16 for a file of floats.
    public var weights: WeightPrecision?
    /// Threads for the model's kernels; nil for the CPUs this process may use.
    public var threads: Int?
    /// A serving engine for every task (`endpoint`, `endpointModel`, `endpointApiKeyEnv`); nil runs models here.
    /// Without `endpointModel` the engine's only model is used.
    public var endpoint: EndpointConfiguration?
    /// What the command line allowed beyond loopback; messages cannot change it.
    public var endpointPolicy = EndpointPolicy()
    /// The most memory the process may hold (its cgroup's limit or `--max-memory-mb`); messages cannot change it.
    public var memoryLimit: MemoryLimit?

    public init() {}

    /// The model path for a task, or nil for the bundled one.
    public func modelPath(for task: TaskKind) -> String? { models[task] ?? model }

    /// Applies the fields present in `json`; throws -32602 naming the first bad field and changes nothing then.
    public mutating func merge(_ json: JSONValue) throws {
        guard case .object(let object) = json else {
            throw ResponseError(.invalidParams, "settings must be an object, not \(json.typeName)")
        }
        var next = self
        for (key, value) in object.members {
            switch key {
            case "model": next.model = try Settings.string(value, key)
            case "models":
                guard case .object(let perTask) = value else { throw Settings.bad(key, "an object", value) }
                for (name, path) in perTask.members {
                    guard let task = TaskKind(rawValue: name) else {
                        throw ResponseError(.invalidParams,
                                            "settings.models.\(name): unknown task; use \(TaskKind.names)")
                    }
                    next.models[task] = try Settings.string(path, "models.\(name)")
                }
            case "maxTokens": next.maxTokens = try Settings.integer(value, key, 1...1024)
            case "summaryMaxTokens": next.summaryMaxTokens = try Settings.integer(value, key, 1...1024)
            case "temperature":
                guard let t = value.double, (0...5).contains(t) else { throw Settings.bad(key, "a number in 0...5", value) }
                next.temperature = t
            case "completionMode":
                guard let text = value.string, let mode = CompletionMode(rawValue: text) else {
                    throw Settings.bad(key, "\"single-line\", \"multi-line\" or \"auto\"", value)
                }
                next.completionMode = mode
            case "deadlineMs": next.deadlineMs = try Settings.integer(value, key, 10...60000)
            case "context":
                guard let flag = value.bool else { throw Settings.bad(key, "true or false", value) }
                next.context = flag
            case "contextBudget": next.contextBudget = try Settings.integer(value, key, 0...32768)
            case "copyWeight":
                guard let w = value.double, (0...1).contains(w) else { throw Settings.bad(key, "a number in 0...1", value) }
                next.copyWeight = w
            case "cacheBudgetMB": next.cacheBudgetMB = value.isNull ? nil : try Settings.integer(value, key, 1...65536)
            case "weights":
                if value.isNull {
                    next.weights = nil
                    break
                }
                guard let text = value.string, let format = WeightPrecision(rawValue: text) else {
                    throw Settings.bad(key, "\"f32\", \"bf16\", \"int8\" or null", value)
                }
                next.weights = format
            case "threads":
                next.threads = value.isNull ? nil : try Settings.integer(value, key, 1...1024)
            case "prefixCache":
                guard let flag = value.bool else { throw Settings.bad(key, "true or false", value) }
                next.prefixCache = flag
            case "completionCache":
                guard let flag = value.bool else { throw Settings.bad(key, "true or false", value) }
                next.completionCache = flag
            case "endpoint":
                if let url = try Settings.string(value, key) {
                    guard endpointPolicy.permits(url) else {
                        throw ResponseError(.invalidParams, "settings.endpoint \(url) is refused: \(EndpointPolicy.notAllowed)",
                                            data: ["reason": "untrustedSetting", "setting": "endpoint"])
                    }
                    // A key variable travels only with the URL the command line gave it for.
                    next.endpoint = EndpointConfiguration(url: url, model: next.endpoint?.model,
                                                          apiKeyVariable: endpointPolicy.apiKeyVariables[url])
                } else {
                    next.endpoint = nil
                }
            case "endpointModel", "endpointApiKeyEnv": continue  // applied below, whatever the key order
            default: continue  // Unknown keys belong to clients (e.g. their debounce delay).
            }
        }
        if let model = object["endpointModel"] { next.endpoint?.model = try Settings.string(model, "endpointModel") }
        if let variable = object["endpointApiKeyEnv"], try Settings.string(variable, "endpointApiKeyEnv") != nil {
            throw ResponseError(.invalidParams, "settings.endpointApiKeyEnv is refused: a setting that a repository "
                                    + "can ship must not choose which environment variable is sent to a server; "
                                    + "give it on the command line (--endpoint-api-key-env) or in a manifest named "
                                    + "with --model", data: ["reason": "untrustedSetting", "setting": "endpointApiKeyEnv"])
        }
        self = next
    }

    private static func string(_ value: JSONValue, _ key: String) throws -> String? {
        if value.isNull { return nil }
        guard let text = value.string, !text.isEmpty else { throw bad(key, "a non-empty string or null", value) }
        return text
    }

    private static func integer(_ value: JSONValue, _ key: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let number = value.int, range.contains(number) else {
            throw bad(key, "an integer in \(range.lowerBound)...\(range.upperBound)", value)
        }
        return number
    }

    private static func bad(_ key: String, _ expected: String, _ value: JSONValue) -> ResponseError {
        ResponseError(.invalidParams, "settings.\(key) must be \(expected), not \(value.jsonText)")
    }
}
