import Engine
import Model
import Tasks

extension InProcessBackend {
    /// Labels `task.text` with the classifier model's own head: one job that reads the label logits of the last
    /// position of the input, cut (and padded) as the classifier was trained.
    func classifyWithHead(
        _ task: ClassificationTask, labels: [String],
        onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void
    ) -> any Cancellable {
        let group = JobGroup(engine: engine, owner: task.client)
        let model = classifyModel
        var tokens = model.tokenizer.encode(task.text)
        if tokens.isEmpty, let end = model.tokenizer.endOfText { tokens = [end] }
        tokens = model.classifierInput.tokens(tokens, contextLength: model.contextLength)
        let job = Job(model: model.index, priority: Priority(.classify), prompt: tokens, scoreLast: 1)
        group.submit(job) { outcome in
            onFinish(outcome.map { result in
                Classification(labels: labels, logits: result.scores.map(Double.init),
                               metrics: TaskMetrics(result.metrics))
            }.mapError(TaskError.init))
        }
        return group
    }
}
