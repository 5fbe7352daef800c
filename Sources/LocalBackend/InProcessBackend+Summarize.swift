import Engine
import Tasks
import Tokenizer

extension InProcessBackend {
    /// Summarises `task.text` with the instruction-finetuned model in the book's prompt format. Text longer than
    /// the context is split at line breaks, each piece summarised in turn (`progress(done, total)`), and the
    /// pieces' summaries joined.
    public func summarize(_ task: SummaryTask, progress: @escaping @Sendable (Int, Int) -> Void,
                          onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        let group = JobGroup(engine: engine, owner: task.client)
        let model = summarizeModel
        let maxTokens = min(task.maxTokens, model.contextLength / 4)
        let pieces = split(task.text, toFit: model.contextLength - maxTokens, tokenizer: model.tokenizer)
        summarizePieces(pieces, index: 0, summaries: [], metrics: TaskMetrics(), maxTokens: maxTokens,
                        group: group, progress: progress, onFinish: onFinish)
        return group
    }

    private func summarizePieces(_ pieces: [String], index: Int, summaries: [String], metrics: TaskMetrics,
                                 maxTokens: Int, group: JobGroup, progress: @escaping @Sendable (Int, Int) -> Void,
                                 onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) {
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
        group.submit(job) { [self] outcome in
            switch outcome {
            case .failure(let error): onFinish(.failure(TaskError(error)))
            case .success(let result):
                progress(index + 1, pieces.count)
                var text = tokenizer.decode(result.tokens)
                if let loop = TextLoop.start(in: text) { text = String(text[..<loop]) }
                let summary = PromptFormat.cleanResponse(text)
                summarizePieces(pieces, index: index + 1, summaries: summaries + [summary],
                                metrics: metrics.adding(TaskMetrics(result.metrics)), maxTokens: maxTokens,
                                group: group, progress: progress, onFinish: onFinish)
            }
        }
    }

    /// Splits text at line breaks into pieces whose prompts fit `budget` tokens (a single over-long line is cut).
    func split(_ text: String, toFit budget: Int, tokenizer: BPETokenizer) -> [String] {
        let overhead = tokenizer.encode(PromptFormat.alpaca(instruction: summaryInstruction, input: "")).count
        return tokenizer.pieces(of: text, maxTokens: max(16, budget - overhead))
    }
}
