import Tasks

extension RemoteBackend {
    /// Continues `task.prefix` on the engine (see `InlineCompletion`), streamed.
    public func complete(_ task: CompletionTask,
                         onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        InlineCompletion.run(task, on: self, onFinish: onFinish)
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
