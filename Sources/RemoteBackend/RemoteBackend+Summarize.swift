import Foundation
import Tasks

extension RemoteBackend {
    /// Summarises `task.text` in the book's prompt format, streamed. Text longer than the context (in tokens where
    /// the tokenizer is known, else `options.inputCharacters`) is split at line breaks, each piece summarised in turn
    /// (`progress(done, total)`), and the summaries joined.
    public func summarize(_ task: SummaryTask, progress: @escaping @Sendable (Int, Int) -> Void,
                          onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        guard let call = makeCall(onFinish: onFinish) else { return Finished() }
        let (pieces, maxTokens) = summaryPieces(task.text, maxTokens: task.maxTokens)
        // The sum keeps the first term's unit: the unit of every piece's prompt.
        var metrics = TaskMetrics()
        metrics.promptUnit = tokenizer == nil ? .characters : .tokens
        summarizePieces(pieces, index: 0, summaries: [], metrics: metrics, maxTokens: maxTokens,
                        call: call, progress: progress)
        return call
    }

    private func summarizePieces(_ pieces: [String], index: Int, summaries: [String], metrics: TaskMetrics,
                                 maxTokens: Int, call: RemoteCall<TextResult>,
                                 progress: @escaping @Sendable (Int, Int) -> Void) {
        guard index < pieces.count else {
            return call.finish(.success(TextResult(text: summaries.joined(separator: " "), metrics: metrics)))
        }
        let prompt = PromptFormat.alpaca(instruction: options.summaryInstruction, input: pieces[index])
        generate(prompt: sized(prompt), maxTokens: maxTokens, temperature: 0, deadline: nil,
                 stop: { $0.contains("\n\n") || $0.contains("###") || TextLoop.start(in: $0) != nil },
                 call: call, shape: { text in
                     let end = TextLoop.start(in: text) ?? text.endIndex
                     return PromptFormat.cleanResponse(String(text[..<end]))
                 }, deliver: { [self] outcome in
                     switch outcome {
                     case .failure(let error): call.finish(.failure(error))
                     case .success(let result):
                         progress(index + 1, pieces.count)
                         summarizePieces(pieces, index: index + 1, summaries: summaries + [result.text],
                                         metrics: metrics.adding(result.metrics), maxTokens: maxTokens, call: call,
                                         progress: progress)
                     }
                 })
    }

    /// Splits text at line breaks into pieces of at most `characters` (a longer line is cut).
    static func split(_ text: String, characters: Int) -> [String] {
        var pieces: [String] = []
        var current = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var rest = Substring(line)
            if !current.isEmpty, current.count + rest.count + 1 > characters {
                pieces.append(current)
                current = ""
            }
            while rest.count > characters {
                pieces.append(String(rest.prefix(characters)))
                rest = rest.dropFirst(characters)
            }
            current += current.isEmpty ? String(rest) : "\n" + rest
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(current) }
        return pieces
    }
}
