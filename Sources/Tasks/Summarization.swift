/// Summarise, written once for every backend: the text split to fit the context, each piece summarised in the
/// book's instruction format (`PromptFormat.alpaca`) until the response ends (`endsResponse`), cleaned, and the
/// pieces' summaries joined.
public enum Summarization {
    /// Summarises `task.text` on `generator` with `instruction`. Text longer than the context is split at line
    /// breaks and the pieces are summarised in turn, `progress(done, total)` after each; the summaries are joined
    /// with spaces and the metrics added up (in the generator's prompt unit).
    public static func run(_ task: SummaryTask, instruction: String, on generator: any Generator,
                           progress: @escaping @Sendable (Int, Int) -> Void,
                           onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        let (pieces, maxTokens) = split(task.text, maxTokens: task.maxTokens, instruction: instruction,
                                        measure: generator.measure)
        let run = TaskRun(onFinish: onFinish)
        var metrics = TaskMetrics()
        metrics.promptUnit = generator.measure.unit
        let part = Part(pieces: pieces, instruction: instruction, maxTokens: maxTokens, owner: task.client,
                        generator: generator, run: run, progress: progress)
        part.summarize(0, summaries: [], metrics: metrics)
        return run
    }

    /// The response is over at a blank line or at the next turn's header, or once the text starts looping.
    static func endsResponse(_ generated: String) -> Bool {
        generated.contains("\n\n") || generated.contains("###") || TextLoop.start(in: generated) != nil
    }

    /// A generated summary without its loop and without anything that belongs to the next turn.
    static func clean(_ generated: String) -> String {
        let end = TextLoop.start(in: generated) ?? generated.endIndex
        return PromptFormat.cleanResponse(String(generated[..<end]))
    }

    /// The text in pieces whose prompts fit, and the cap on each piece's summary: in tokens, a quarter of the
    /// context for the summary and the rest for the prompt; in characters, pieces of `limits.input`.
    static func split(_ text: String, maxTokens: Int, instruction: String,
                      measure: PromptMeasure) -> (pieces: [String], maxTokens: Int) {
        switch measure {
        case .tokens(let tokenizer, let context):
            let cap = min(maxTokens, context / 4)
            let overhead = tokenizer.promptTokens(PromptFormat.alpaca(instruction: instruction, input: "")).count
            return (tokenizer.pieces(of: text, maxTokens: max(16, context - cap - overhead)), cap)
        case .characters(let limits):
            return (split(text, characters: limits.input), maxTokens)
        }
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

    /// One summary's pieces in flight: each piece's request starts when the one before has finished.
    private struct Part: Sendable {
        let pieces: [String]
        let instruction: String
        let maxTokens: Int
        let owner: String
        let generator: any Generator
        let run: TaskRun<TextResult>
        let progress: @Sendable (Int, Int) -> Void

        func summarize(_ index: Int, summaries: [String], metrics: TaskMetrics) {
            guard index < pieces.count else {
                return run.finish(.success(TextResult(text: summaries.joined(separator: " "), metrics: metrics)))
            }
            guard !run.isFinished else { return }
            let prompt = PromptFormat.alpaca(instruction: instruction, input: pieces[index])
            let request = GenerationRequest(prompt: .text(prompt), maxTokens: maxTokens,
                                            stop: { Summarization.endsResponse($0) }, task: .summarize, owner: owner)
            run.attach(generator.generate(request) { outcome in
                switch outcome {
                case .failure(let error): run.finish(.failure(error))
                case .success(let result):
                    guard !run.isFinished else { return }
                    progress(index + 1, pieces.count)
                    summarize(index + 1, summaries: summaries + [Summarization.clean(result.text)],
                              metrics: metrics.adding(result.metrics))
                }
            })
        }
    }
}
