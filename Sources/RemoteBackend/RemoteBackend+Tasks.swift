import Tasks

extension RemoteBackend {
    /// Continues `task.prefix` on the engine, streamed: through llama.cpp's `/infill` where the engine has it (see
    /// `infill`; it builds the prefix-first order), else through `/v1/completions` (see `InlineCompletion`) in the
    /// model's FIM layout where it is known (`options.fim`: the manifest names it, or the tokenizer shows it), else
    /// from the prefix alone.
    public func complete(_ task: CompletionTask,
                         onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        guard !options.fim.isOff, options.fim.order == .prefixSuffixMiddle, infillSupport != .unavailable else {
            return InlineCompletion.run(task, on: self, fim: options.fim, onFinish: onFinish)
        }
        return infill(task, onFinish: onFinish)
    }

    /// Summarises `task.text` on the engine (see `Summarization`) with `options.summaryInstruction`.
    public func summarize(_ task: SummaryTask, progress: @escaping @Sendable (Int, Int) -> Void,
                          onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        Summarization.run(task, instruction: options.summaryInstruction, on: self, progress: progress,
                          onFinish: onFinish)
    }

    /// Labels `task.text` zero-shot on the engine (see `ZeroShotClassification`): an engine has no classifier head.
    public func classify(_ task: ClassificationTask,
                         onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void) -> any Cancellable {
        ZeroShotClassification.run(task, on: self, onFinish: onFinish)
    }
}
