/// Summarise, written once for every backend: the text split to fit the context, each piece summarised in the
/// model's instruction format (`InstructionFormat`: the book's Alpaca, or an instruct model's chat format) until the
/// response ends (`InstructionFormat.endsResponse`, or the model's end tokens), cleaned, and the pieces' summaries
/// joined.
public enum Summarization {
    /// Summarises `task.text` on `generator` with `instruction`. Text longer than the context is split at line
    /// breaks and the pieces are summarised in turn, `progress(done, total)` after each; the summaries are joined
    /// with spaces and the metrics added up (in the generator's prompt unit).
    public static func run(_ task: SummaryTask, instruction: String, format: InstructionFormat = .alpaca,
                           on generator: any Generator,
                           progress: @escaping @Sendable (Int, Int) -> Void,
                           onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        let (pieces, maxTokens) = split(task.text, maxTokens: task.maxTokens, instruction: instruction,
                                        format: format, measure: generator.measure)
        let run = TaskRun(onFinish: onFinish)
        var metrics = TaskMetrics()
        metrics.promptUnit = generator.measure.unit
        let part = Part(pieces: pieces, instruction: instruction, format: format, maxTokens: maxTokens, owner: task.client,
                        generator: generator, run: run, progress: progress)
        part.summarize(0, summaries: [], metrics: metrics)
        return run
    }

    /// The text in pieces whose prompts fit, and the cap on each piece's summary: in tokens, a quarter of the
    /// context for the summary and the rest for the prompt; in characters, pieces of `limits.input`.
    static func split(_ text: String, maxTokens: Int, instruction: String, format: InstructionFormat = .alpaca,
                      measure: PromptMeasure) -> (pieces: [String], maxTokens: Int) {
        switch measure {
        case .tokens(let tokenizer, let context):
            let cap = min(maxTokens, context / 4)
            let overhead = format.tokens(instruction: instruction, input: "", tokenizer: tokenizer).count
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
        let format: InstructionFormat
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
            let request = GenerationRequest(prompt: prompt(pieces[index]), maxTokens: maxTokens,
                                            stop: { [format] in format.endsResponse($0) }, task: .summarize,
                                            owner: owner)
            run.attach(generator.generate(request) { outcome in
                switch outcome {
                case .failure(let error): run.finish(.failure(error))
                case .success(let result):
                    guard !run.isFinished else { return }
                    progress(index + 1, pieces.count)
                    summarize(index + 1, summaries: summaries + [format.clean(result.text)],
                              metrics: metrics.adding(result.metrics))
                }
            })
        }

        /// A piece's prompt: a chat format's control tokens must reach the model as themselves, so where the
        /// generator counts tokens its prompt is tokens; otherwise text (which an engine tokenizes).
        private func prompt(_ input: String) -> Prompt {
            if format != .alpaca, case .tokens(let tokenizer, _) = generator.measure {
                return .tokens(format.tokens(instruction: instruction, input: input, tokenizer: tokenizer))
            }
            return .text(format.prompt(instruction: instruction, input: input))
        }
    }
}
