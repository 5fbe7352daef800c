import GPT
import Dispatch
import Foundation
import Tokenizer

/// The three tasks gptls serves (inline completion, summarise, classify), turned into engine jobs.
///
/// It owns the tokenizers and the prompt formats; the `Engine` owns the models and the cache. Methods may be called
/// from any thread; their callbacks run on the engine thread and must return quickly.
public final class Assistant: @unchecked Sendable {
    /// A model as one task uses it.
    public struct TaskModel: Sendable {
        /// Index of the model in the engine.
        public var index: Int
        public var tokenizer: BPETokenizer
        public var contextLength: Int
        /// Label names when the model is a classifier (its outputs are label logits, not the vocabulary).
        public var labels: [String]?
        /// How a classifier's input is cut and padded before its last position is read.
        public var classifierInput: ClassifierInput

        public init(index: Int, tokenizer: BPETokenizer, contextLength: Int, labels: [String]? = nil,
                    classifierInput: ClassifierInput = ClassifierInput()) {
            self.index = index
            self.tokenizer = tokenizer
            self.contextLength = contextLength
            self.labels = labels
            self.classifierInput = classifierInput
        }
    }

    public let engine: Engine
    public let completionModel: TaskModel
    public let summarizeModel: TaskModel
    public let classifyModel: TaskModel
    /// The instruction of summary prompts.
    public var summaryInstruction = "Summarize the following code."

    /// Token healing for the completion model's prompts.
    let healing: TokenHealing

    public init(engine: Engine, completion: TaskModel, summarize: TaskModel, classify: TaskModel) {
        self.engine = engine
        self.completionModel = completion
        self.healing = TokenHealing(tokenizer: completion.tokenizer)
        self.summarizeModel = summarize
        self.classifyModel = classify
    }

    // MARK: - Inline completion

    /// Continues `request.prefix`. The prompt is a window of its last tokens that moves in large steps (see
    /// `PromptWindow`), so consecutive keystrokes share their cached prefix.
    public func complete(_ request: CompletionRequest,
                         onFinish: @escaping @Sendable (Result<TextResult, EngineError>) -> Void) -> TaskHandle {
        let handle = TaskHandle(engine: engine)
        let model = completionModel
        var tokens = model.tokenizer.encode(String(Assistant.recentText(request.prefix, contextLength: model.contextLength)))
        if tokens.isEmpty, let start = model.tokenizer.endOfText { tokens = [start] }
        let maxTokens = min(request.maxTokens, model.contextLength / 2)
        let capacity = model.contextLength - maxTokens
        let start = PromptWindow.start(tokenCount: tokens.count, capacity: capacity, step: max(1, capacity / 4))
        let tokenizer = model.tokenizer
        let healed = healing.plan(Array(tokens[start...]))
        // The generated text begins with the healed bytes, which are already in the document: cut them.
        let decode: @Sendable ([Int]) -> String = { generated in
            String(decoding: tokenizer.decodeBytes(generated).dropFirst(healed.removed.count), as: UTF8.self)
        }
        let job = Job(model: model.index, priority: .interactive, prompt: healed.prompt,
                      maxTokens: maxTokens, sampler: Sampler(.init(temperature: Float(request.temperature))),
                      stopTokens: Set([tokenizer.endOfText].compactMap { $0 }),
                      decode: decode, stopText: request.stop, deadline: request.deadline,
                      supersedeKey: request.documentKey, firstTokens: healed.firstTokens)
        handle.submit(job) { outcome in
            onFinish(outcome.map { TextResult(text: decode($0.tokens), metrics: $0.metrics) })
        }
        return handle
    }

    /// The end of a long text, enough to fill the context, so a keystroke does not re-tokenize a whole document.
    ///
    /// The cut moves in steps of a quarter of the kept length and lands on a line start, so consecutive keystrokes
    /// see the same beginning (and so the same tokens and cached blocks) until the next step.
    static func recentText(_ text: String, contextLength: Int) -> Substring {
        let keep = contextLength * 8  // bytes: comfortably more than a context of code or prose
        let bytes = text.utf8
        guard bytes.count > keep else { return text[...] }
        let step = keep / 4
        let cut = (bytes.count - keep + step - 1) / step * step
        var index = bytes.index(bytes.startIndex, offsetBy: cut)
        // Start after the next line break (or at least on a character boundary).
        if let newline = bytes[index...].prefix(step).firstIndex(of: UInt8(ascii: "\n")) {
            index = bytes.index(after: newline)
        }
        while index < bytes.endIndex, UTF8.isContinuation(bytes[index]) { index = bytes.index(after: index) }
        return text[index...]
    }

    // MARK: - Summarise

    /// Summarises `text` with the instruction-finetuned model in the book's prompt format. Text longer than the
    /// context is split at line breaks, each piece summarised in turn (`progress(done, total)`), and the pieces'
    /// summaries joined.
    public func summarize(_ text: String, maxTokens: Int, progress: @escaping @Sendable (Int, Int) -> Void,
                          onFinish: @escaping @Sendable (Result<TextResult, EngineError>) -> Void) -> TaskHandle {
        let handle = TaskHandle(engine: engine)
        let model = summarizeModel
        let maxTokens = min(maxTokens, model.contextLength / 4)
        let pieces = split(text, toFit: model.contextLength - maxTokens, tokenizer: model.tokenizer)
        summarizePieces(pieces, index: 0, summaries: [], metrics: JobMetrics(), maxTokens: maxTokens,
                        handle: handle, progress: progress, onFinish: onFinish)
        return handle
    }

    private func summarizePieces(_ pieces: [String], index: Int, summaries: [String], metrics: JobMetrics,
                                 maxTokens: Int, handle: TaskHandle, progress: @escaping @Sendable (Int, Int) -> Void,
                                 onFinish: @escaping @Sendable (Result<TextResult, EngineError>) -> Void) {
        guard index < pieces.count else {
            return onFinish(.success(TextResult(text: summaries.joined(separator: " "), metrics: metrics)))
        }
        let model = summarizeModel
        let tokenizer = model.tokenizer
        let prompt = tokenizer.encode(PromptFormat.alpaca(instruction: summaryInstruction, input: pieces[index]))
        let job = Job(model: model.index, priority: .summarize, prompt: prompt, maxTokens: maxTokens,
                      stopTokens: Set([tokenizer.endOfText].compactMap { $0 }),
                      decode: { tokenizer.decode($0) },
                      stopText: { $0.contains("\n\n") || $0.contains("###") || TextLoop.start(in: $0) != nil })
        handle.submit(job) { [self] outcome in
            switch outcome {
            case .failure(let error): onFinish(.failure(error))
            case .success(let result):
                progress(index + 1, pieces.count)
                var text = tokenizer.decode(result.tokens)
                if let loop = TextLoop.start(in: text) { text = String(text[..<loop]) }
                let summary = PromptFormat.cleanResponse(text)
                summarizePieces(pieces, index: index + 1, summaries: summaries + [summary],
                                metrics: metrics.adding(result.metrics), maxTokens: maxTokens, handle: handle,
                                progress: progress, onFinish: onFinish)
            }
        }
    }

    /// Splits text at line breaks into pieces whose prompts fit `budget` tokens (a single over-long line is cut).
    func split(_ text: String, toFit budget: Int, tokenizer: BPETokenizer) -> [String] {
        let overhead = tokenizer.encode(PromptFormat.alpaca(instruction: summaryInstruction, input: "")).count
        let room = max(16, budget - overhead)
        var pieces: [String] = []
        var current: [Int] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var lineTokens = tokenizer.encode(String(line) + "\n")
            if current.count + lineTokens.count > room, !current.isEmpty {
                pieces.append(tokenizer.decode(current))
                current = []
            }
            while lineTokens.count > room {
                pieces.append(tokenizer.decode(Array(lineTokens.prefix(room))))
                lineTokens.removeFirst(room)
            }
            current += lineTokens
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(tokenizer.decode(current)) }
        return pieces.map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
    }

    // MARK: - Classify

    /// Labels `text`. A classifier model uses its own labels; with other labels (or no classifier), the language
    /// model classifies zero-shot: each label is scored as the continuation of an instruction prompt by its total
    /// log-probability, all labels sharing the cached prompt.
    public func classify(_ text: String, labels: [String]?,
                         onFinish: @escaping @Sendable (Result<Classification, EngineError>) -> Void) -> TaskHandle {
        let handle = TaskHandle(engine: engine)
        if let own = classifyModel.labels, labels == nil || labels == own {
            classifyWithHead(text, labels: own, handle: handle, onFinish: onFinish)
        } else {
            let candidates = labels ?? ["code", "prose"]
            classifyZeroShot(text, labels: candidates, handle: handle, onFinish: onFinish)
        }
        return handle
    }

    private func classifyWithHead(_ text: String, labels: [String], handle: TaskHandle,
                                  onFinish: @escaping @Sendable (Result<Classification, EngineError>) -> Void) {
        let model = classifyModel
        var tokens = model.tokenizer.encode(text)
        if tokens.isEmpty, let end = model.tokenizer.endOfText { tokens = [end] }
        // The classifier reads the last position of the input cut (and padded) as it was trained.
        tokens = model.classifierInput.tokens(tokens, contextLength: model.contextLength)
        let job = Job(model: model.index, priority: .classify, prompt: tokens, scoreLast: 1)
        handle.submit(job) { outcome in
            onFinish(outcome.map { result in
                Classification(labels: labels, logits: result.scores.map(Double.init), metrics: result.metrics)
            })
        }
    }

    private func classifyZeroShot(_ text: String, labels: [String], handle: TaskHandle,
                                  onFinish: @escaping @Sendable (Result<Classification, EngineError>) -> Void) {
        let model = completionModel
        let tokenizer = model.tokenizer
        let instruction = "Classify the following text as one of: \(labels.joined(separator: ", "))."
        let continuations = labels.map { tokenizer.encode($0) }
        let longest = continuations.map(\.count).max() ?? 1
        // Keep the end of a long input: the instruction's response header must stay right before the label.
        let prompt = Array(tokenizer.encode(PromptFormat.alpaca(instruction: instruction, input: text))
            .suffix(model.contextLength - longest))
        // First the shared prompt alone, so every label's job finds it cached; then one job per label.
        let shared = Job(model: model.index, priority: .classify, prompt: prompt)
        handle.submit(shared) { [self] outcome in
            if case .failure(let error) = outcome { return onFinish(.failure(error)) }
            let collector = ScoreCollector<(Double, JobMetrics)>(count: labels.count) { results in
                switch results {
                case .failure(let error): onFinish(.failure(error))
                case .success(let scored):
                    let totals = scored.map(\.0)
                    let metrics = scored.reduce(JobMetrics()) { $0.adding($1.1) }
                    onFinish(.success(Classification(labels: labels, logits: totals, metrics: metrics)))
                }
            }
            for (index, continuation) in continuations.enumerated() {
                let job = Job(model: model.index, priority: .classify, prompt: prompt + continuation,
                              scoreLast: continuation.count + 1)
                handle.submit(job) { outcome in
                    collector.set(index, outcome.map { result in
                        (Self.logProbability(of: continuation, scores: result.scores, width: self.vocabularyWidth),
                         result.metrics)
                    })
                }
            }
        }
    }

    private var vocabularyWidth: Int { engine.models[completionModel.index].outputWidth }

    /// Total log-probability of `continuation` given the outputs of the positions just before each of its tokens:
    /// `scores` holds `continuation.count + 1` rows; the last row (after the final token) is not used.
    static func logProbability(of continuation: [Int], scores: [Float], width: Int) -> Double {
        var total = 0.0
        for (position, token) in continuation.enumerated() {
            let row = scores[(position * width)..<((position + 1) * width)]
            total += Sampler.logProbability(of: token, in: row)
        }
        return total
    }
}
