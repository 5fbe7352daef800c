import Engine
import Model
import Tasks

extension InProcessBackend {
    /// Labels `task.text`. A classifier model uses its own labels; with other labels (or no classifier), the
    /// language model classifies zero-shot: each label is scored as the continuation of an instruction prompt by
    /// its total log-probability, all labels sharing the cached prompt.
    public func classify(_ task: ClassificationTask,
                         onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void) -> any Cancellable {
        let group = JobGroup(engine: engine, owner: task.client)
        if let own = classifyModel.labels, task.labels == nil || task.labels == own {
            classifyWithHead(task.text, labels: own, group: group, onFinish: onFinish)
        } else {
            classifyZeroShot(task.text, labels: task.labels ?? PromptFormat.defaultLabels, group: group, onFinish: onFinish)
        }
        return group
    }

    private func classifyWithHead(_ text: String, labels: [String], group: JobGroup,
                                  onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void) {
        let model = classifyModel
        var tokens = model.tokenizer.encode(text)
        if tokens.isEmpty, let end = model.tokenizer.endOfText { tokens = [end] }
        // The classifier reads the last position of the input cut (and padded) as it was trained.
        tokens = model.classifierInput.tokens(tokens, contextLength: model.contextLength)
        let job = Job(model: model.index, priority: .classify, prompt: tokens, scoreLast: 1)
        group.submit(job) { outcome in
            onFinish(outcome.map { result in
                Classification(labels: labels, logits: result.scores.map(Double.init),
                               metrics: TaskMetrics(result.metrics))
            }.mapError(TaskError.init))
        }
    }

    private func classifyZeroShot(_ text: String, labels: [String], group: JobGroup,
                                  onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void) {
        let model = completionModel
        let tokenizer = model.tokenizer
        let instruction = PromptFormat.zeroShotInstruction(labels: labels)
        let continuations = labels.map { tokenizer.encode($0) }
        let longest = continuations.map(\.count).max() ?? 1
        // A label must leave room for at least one prompt token before it.
        if let index = continuations.firstIndex(where: { $0.count >= model.contextLength }) {
            return onFinish(.failure(.failed(
                "label \(index + 1) has \(continuations[index].count) tokens, but the model's context holds "
                    + "\(model.contextLength) for the prompt and the label together; use shorter labels")))
        }
        // Keep the end of a long input: the instruction's response header must stay right before the label.
        let prompt = Array(tokenizer.encode(PromptFormat.alpaca(instruction: instruction, input: text))
            .suffix(model.contextLength - longest))
        // First the shared prompt alone, so every label's job finds it cached; then one job per label.
        let shared = Job(model: model.index, priority: .classify, prompt: prompt)
        group.submit(shared) { [self] outcome in
            if case .failure(let error) = outcome { return onFinish(.failure(TaskError(error))) }
            let collector = ScoreCollector<(Double, JobMetrics)>(count: labels.count) { results in
                switch results {
                case .failure(let error): onFinish(.failure(TaskError(error)))
                case .success(let scored):
                    let metrics = scored.reduce(TaskMetrics()) { $0.adding(TaskMetrics($1.1)) }
                    onFinish(.success(Classification(labels: labels, logits: scored.map(\.0), metrics: metrics)))
                }
            }
            for (index, continuation) in continuations.enumerated() {
                let job = Job(model: model.index, priority: .classify, prompt: prompt + continuation,
                              scoreLast: continuation.count + 1)
                group.submit(job) { outcome in
                    collector.set(index, outcome.map { result in
                        (Self.logProbability(of: continuation, scores: result.scores, width: self.vocabularyWidth),
                         result.metrics)
                    })
                }
            }
        }
    }

    private var vocabularyWidth: Int { engine.outputWidth(ofModel: completionModel.index) }

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
