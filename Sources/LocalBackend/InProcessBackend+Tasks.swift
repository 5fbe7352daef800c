import Tasks

extension InProcessBackend {
    /// Continues `task.prefix` with the completion model (see `InlineCompletion`): healing the prompt's last token,
    /// or in its fill-in-the-middle layout where it has one.
    public func complete(_ task: CompletionTask,
                         onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        InlineCompletion.run(task, on: completionGenerator, fim: completionModel.fim, onFinish: onFinish)
    }

    /// Summarises `task.text` with the summary model (see `Summarization`).
    public func summarize(_ task: SummaryTask, progress: @escaping @Sendable (Int, Int) -> Void,
                          onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        Summarization.run(task, instruction: summaryInstruction, format: summaryGenerator.model.instructionFormat,
                          on: summaryGenerator, progress: progress,
                          onFinish: onFinish)
    }

    /// Labels `task.text`. A classifier model uses its own labels (`classifyWithHead`); with other labels, or no
    /// classifier, the completion model classifies zero-shot (see `ZeroShotClassification`).
    public func classify(_ task: ClassificationTask,
                         onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void) -> any Cancellable {
        if let own = classifyModel.labels, task.labels == nil || task.labels == own {
            return classifyWithHead(task, labels: own, onFinish: onFinish)
        }
        return ZeroShotClassification.run(task, on: completionGenerator, onFinish: onFinish)
    }
}
