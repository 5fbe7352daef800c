import Foundation
import Model
import Tasks
import Tokenizer

/// Turns model paths into a ready `InProcessBackend`: loads each distinct weights file once, finds its tokenizer, and
/// sizes each model's KV cache from the budget.
///
/// A path may be a directory with `manifest.json` (weights per task, like models/default), a Hugging Face directory
/// (config.json + model.safetensors), a single .safetensors file or a PyTorch .pth checkpoint (the book's
/// `model.pth`, `review_classifier.pth`); nil means the bundled model. A lone file without a tokenizer beside it
/// uses GPT-2's, which gptls ships.
public enum ModelLoader {
    /// One weights file as a task uses it.
    public struct TaskSource: Equatable, Sendable {
        public var weights: URL
        public var tokenizerDirectory: URL?
        public var config: URL?
        public var labels: [String]?
        public var instruction: String?
        /// Head count from the manifest, for weights of an unusual width.
        public var heads: Int?
        /// How a classifier's input is cut and padded (the manifest's max_tokens, pad_to_max_tokens, pad_token_id).
        public var classifierInput = ClassifierInput()
    }

    /// Where a task's weights, tokenizer and labels come from.
    public static func source(_ path: String?, task: String) throws -> TaskSource {
        let url = try path.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? bundledDirectory()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelLoadingError.notFound(path: url.path)
        }
        guard isDirectory.boolValue else {
            // A lone weights file: a tokenizer beside it if there is one, else GPT-2's.
            let directory = url.deletingLastPathComponent()
            return TaskSource(weights: url, tokenizerDirectory: BPETokenizer.hasVocabulary(in: directory) ? directory : nil)
        }
        if FileManager.default.fileExists(atPath: url.appendingPathComponent(ModelManifest.fileName).path) {
            let manifest = try ModelManifest.load(from: url)
            // A task the manifest does not name falls back to the completion model.
            let entry = manifest.tasks[task] ?? manifest.tasks["completion"]!
            guard let path = entry.weights else {
                throw ModelLoadingError.badManifest(
                    path: url.appendingPathComponent(ModelManifest.fileName).path,
                    reason: "the \(task) task is served by \(entry.endpoint ?? "an endpoint"), not by local weights")
            }
            let weights = path.hasPrefix("/") ? URL(fileURLWithPath: path) : url.appendingPathComponent(path)
            var input = ClassifierInput(maxTokens: entry.maxTokens)
            if entry.padToMaxTokens == true { input.padTokenId = entry.padTokenId ?? gpt2EndOfText }
            return TaskSource(weights: weights, tokenizerDirectory: manifest.tokenizer == nil ? nil : url,
                              config: manifest.config.map { url.appendingPathComponent($0) },
                              labels: entry.labels, instruction: entry.instruction,
                              heads: entry.heads ?? manifest.heads, classifierInput: input)
        }
        return TaskSource(weights: url, tokenizerDirectory: BPETokenizer.hasVocabulary(in: url) ? url : nil)
    }

    /// The serving engine a manifest names for `task` (or for completion, which the task falls back to), or nil
    /// when the task runs locally.
    public static func endpoint(_ path: String?, task: String) throws -> EndpointConfiguration? {
        let url = try path.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? bundledDirectory()
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(ModelManifest.fileName).path) else {
            return nil
        }
        let manifest = try ModelManifest.load(from: url)
        let entry = manifest.tasks[task] ?? manifest.tasks["completion"]!
        guard let endpoint = entry.endpoint, let model = entry.model else { return nil }
        return EndpointConfiguration(url: endpoint, model: model, apiKeyVariable: entry.apiKeyEnv,
                                     instruction: entry.instruction,
                                     tokenizerDirectory: manifest.tokenizer == nil ? nil : url.path,
                                     contextTokens: entry.contextTokens)
    }

    /// `<|endoftext|>` of GPT-2's vocabulary: the book's padding token.
    static let gpt2EndOfText = 50256

    public static func tokenizer(for source: TaskSource) throws -> BPETokenizer {
        guard let directory = source.tokenizerDirectory else { return try BPETokenizer.gpt2() }
        return try BPETokenizer(directory: directory)
    }

    /// The bundled model: the first of `bundledCandidates` that holds a manifest.
    public static func bundledDirectory() throws -> URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidates = bundledCandidates(environment: ProcessInfo.processInfo.environment, executable: executable)
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent(ModelManifest.fileName).path) {
            return candidate
        }
        throw ModelLoadingError.noBundledModel(searched: candidates.map(\.path))
    }

    /// Where the bundled model may be, in order: `GPTLS_MODEL_DIR`; `../share/gptls/models/default` from the
    /// executable's directory (where scripts/install puts it, whatever the prefix); `models/default` in a directory
    /// above the executable (a checkout running `.build/<config>/gptls`); then the XDG data directories,
    /// `$XDG_DATA_HOME` (default `~/.local/share`) and `$XDG_DATA_DIRS` (default `/usr/local/share:/usr/share`),
    /// each followed by `gptls/models/default`.
    ///
    /// `executable` is the binary with symlinks resolved, so a link on `PATH` still finds the files of its install.
    public static func bundledCandidates(environment: [String: String], executable: URL) -> [URL] {
        var candidates: [URL] = []
        if let explicit = environment["GPTLS_MODEL_DIR"], !explicit.isEmpty {
            candidates.append(URL(fileURLWithPath: (explicit as NSString).expandingTildeInPath))
        }
        let binDirectory = executable.deletingLastPathComponent()
        candidates.append(binDirectory.deletingLastPathComponent().appendingPathComponent("share/gptls/models/default"))
        var directory = binDirectory
        for _ in 0..<5 {
            candidates.append(directory.appendingPathComponent("models/default"))
            directory = directory.deletingLastPathComponent()
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : nil }
            ?? home?.appendingPathComponent(".local/share")
        var dataDirectories = dataHome.map { [$0] } ?? []
        // The XDG base directory specification: relative entries are invalid and ignored; unset or empty means the default.
        let dirs = (environment["XDG_DATA_DIRS"] ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        dataDirectories += (dirs.isEmpty ? ["/usr/local/share", "/usr/share"] : dirs).map { URL(fileURLWithPath: $0) }
        candidates += dataDirectories.map { $0.appendingPathComponent("gptls/models/default") }
        // One directory reached two ways is looked at once.
        var seen = Set<String>()
        return candidates.filter { seen.insert($0.standardizedFileURL.path).inserted }.map(\.standardizedFileURL)
    }
}
