/// Why the models a configuration names cannot be served.
public enum ModelLoadingError: Error, CustomStringConvertible, Equatable {
    case notFound(path: String)
    case unreadable(path: String, reason: String)
    case badManifest(path: String, reason: String)
    case noBundledModel(searched: [String])
    /// The manifest sends the task to a serving engine, where local weights were asked for.
    case servedByEndpoint(manifest: String, task: TaskKind, endpoint: String)
    /// Every task is served by an endpoint: there is nothing to load here.
    case noLocalTask
    /// A manifest the user did not name on the command line sends a task where its place may not (`EndpointPolicy`).
    case untrustedEndpoint(manifest: String, endpoint: String, reason: String)
    /// The models (and the smallest useful KV cache) would not fit under the process's memory limit.
    case memoryLimit(what: String, neededBytes: Int, availableBytes: Int, limit: MemoryLimit)

    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): no such file or directory"
        case .unreadable(let path, let reason): return "\(path): cannot be read: \(reason)"
        case .badManifest(let path, let reason): return "\(path): \(reason)"
        case .noBundledModel(let searched):
            return "the bundled model was not found (looked in \(searched.joined(separator: ", "))); "
                + "pass --model PATH, set GPTLS_MODEL_DIR to a model directory, or install gptls with scripts/install "
                + "(it puts the model in share/gptls/models/default beside the binary's bin/)"
        case .servedByEndpoint(let manifest, let task, let endpoint):
            return "\(manifest): the \(task.rawValue) task is served by \(endpoint), not by local weights"
        case .noLocalTask: return "every task is served by an endpoint; no local model is configured"
        case .memoryLimit(let what, let needed, let available, let limit):
            return "\(what) needs about \(needed >> 20) MiB but only \(max(0, available) >> 20) MiB are left under the "
                + "memory limit of \(limit); close documents or editors that use other models, choose a smaller model "
                + "or weights (bf16, int8), or raise the limit"
        case .untrustedEndpoint(let manifest, let endpoint, let reason):
            return "\(manifest): refused to use \(endpoint), since this manifest came from the editor's settings: \(reason)"
        }
    }
}
