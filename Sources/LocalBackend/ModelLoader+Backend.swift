import Engine
import Foundation
import Model
import ModelFiles
import Kernels
import Tasks
import Tokenizer

extension ModelLoader {
    /// Loads the configured models into one engine and returns the backend that serves the three tasks.
    ///
    /// `heads` is the head count for weights whose width is not a standard GPT-2 size and whose manifest does not
    /// say.
    /// The kernels' thread count is one per process: a backend sets it as its configuration says.
    public static func backend(_ configuration: BackendConfiguration, heads: Int? = nil) throws -> InProcessBackend {
        KernelThreads.count = min(configuration.threads ?? KernelThreads.machineDefault, KernelThreads.maximum)
        // A task a serving engine runs borrows a local task's model, so the backend stays complete; the router in
        // front of it never sends it that task.
        var local: [TaskKind: ModelSource] = [:]
        for (kind, placement) in try configuration.placements() {
            if case .local(let source) = placement { local[kind] = source }
        }
        guard let fallback = TaskKind.allCases.lazy.compactMap({ local[$0] }).first else {
            throw ModelLoadingError.noLocalTask
        }
        let completion = local[.completion] ?? fallback, summarize = local[.summarize] ?? fallback
        let classify = local[.classify] ?? fallback

        // Nothing is loaded that would not fit under the memory limit: the files' size stands for the weights.
        let residentBefore = MemoryLimit.residentBytes()
        let sources = Set([completion, summarize, classify].map(\.weights))
        try configuration.checkRoom(forWeights: sources.reduce(0) { $0 + fileBytes($1) }, residentBytes: residentBefore)

        // Load each distinct weights file once: an engine model per file.
        var files: [URL] = []
        var models: [GPTModel] = []
        func index(of source: ModelSource) throws -> Int {
            if let existing = files.firstIndex(of: source.weights) { return existing }
            files.append(source.weights)
            let config = try source.config.map { try GPTConfig(contentsOf: $0) }
            let file = try ModelFile(at: source.weights, config: config, heads: source.heads ?? heads)
            let format = configuration.weights.map(WeightFormat.init) ?? file.defaultWeightFormat
            models.append(try file.load(weights: format))
            return files.count - 1
        }
        let indices = (try index(of: completion), try index(of: summarize), try index(of: classify))
        // One KV budget for all the models, shared by use.
        // Mapped weights count once their pages are read, so the resident size is at least before + weights.
        let weightBytes = models.reduce(0) { $0 + $1.weightBytes }
        let budget = try configuration.cacheBudgetBytes(
            weightBytes: weightBytes, residentBytes: max(MemoryLimit.residentBytes(), residentBefore + weightBytes))
        let stepModels = models.map { GPTStepModel(model: $0, cacheBytes: budget) }
        var options = Engine.Options()
        options.prefixCaching = configuration.prefixCaching
        options.promptLookup = configuration.promptLookup ? PromptLookup() : nil
        options.pacer = configuration.stepMs > 0 ? StepPacer(targetSeconds: configuration.stepMs / 1000) : nil
        let engine = Engine(models: stepModels, options: options, cacheBudgetBytes: budget)

        // One tokenizer per vocabulary: the tasks of one file share it (a 150k-token vocabulary's tables are tens of
        // MB, and reading it from a GGUF file parses all its metadata). A tokenizer is safe to share between threads.
        var tokenizers: [[URL?]: BPETokenizer] = [:]
        func sharedTokenizer(for source: ModelSource) throws -> BPETokenizer {
            let key = [source.tokenizerDirectory, source.tokenizerDirectory == nil ? source.weights : nil]
            if let known = tokenizers[key] { return known }
            let tokenizer = try tokenizer(for: source)
            tokenizers[key] = tokenizer
            return tokenizer
        }
        func taskModel(_ source: ModelSource, _ index: Int) throws -> InProcessBackend.TaskModel {
            let model = models[index]
            var labels: [String]?
            if case .classifier(let own) = model.task { labels = source.labels ?? own }
            let tokenizer = try sharedTokenizer(for: source)
            return InProcessBackend.TaskModel(index: index, tokenizer: tokenizer,
                                              contextLength: model.config.nPositions, labels: labels,
                                              classifierInput: source.classifierInput,
                                              instructionFormat: try instructionFormat(for: source),
                                              fim: source.fim.fitting(tokenizer: tokenizer,
                                                                      vocabularySize: model.config.vocabSize))
        }
        let backend = InProcessBackend(engine: engine, completion: try taskModel(completion, indices.0),
                                       summarize: try taskModel(summarize, indices.1),
                                       classify: try taskModel(classify, indices.2))
        if let instruction = summarize.instruction { backend.summaryInstruction = instruction }
        backend.weights = models.map { .init(bytes: $0.weightBytes, format: $0.weightFormat) }
        // Reading the vocabularies and chat templates freed their parsed metadata; give those pages back too.
        FreedHeap.release()
        return backend
    }
}

extension ModelLoader {
    /// Bytes of a weights file, or of the files in a weights directory.
    static func fileBytes(_ url: URL) -> Int {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return 0 }
        guard isDirectory.boolValue else {
            return (try? manager.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        }
        let names = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".gguf") || $0.hasSuffix(".pth") }
            .reduce(0) { $0 + fileBytes(url.appendingPathComponent($1)) }
    }
}

extension WeightFormat {
    /// The kernels' format for a precision the settings ask for.
    init(_ precision: WeightPrecision) {
        switch precision {
        case .f32: self = .f32
        case .bf16: self = .bf16
        case .int8: self = .int8
        }
    }
}
