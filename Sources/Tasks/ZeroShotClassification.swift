/// Zero-shot classification, written once for every backend: each label is scored as the response to an
/// instruction that lists the labels (`PromptFormat.zeroShotInstruction` in the book's format), by the total
/// log-probability of its tokens; the softmax of those scores ranks the labels.
public enum ZeroShotClassification {
    /// Labels `task.text` among `task.labels` (or `PromptFormat.defaultLabels`) on `generator`, all labels sharing
    /// the one prompt.
    public static func run(
        _ task: ClassificationTask, on generator: any Generator,
        onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void
    ) -> any Cancellable {
        let labels = task.labels ?? PromptFormat.defaultLabels
        let prompt: Prompt
        switch self.prompt(task.text, labels: labels, measure: generator.measure) {
        case .failure(let error):
            onFinish(.failure(error))
            return Finished()
        case .success(let made): prompt = made
        }
        let request = ScoringRequest(prompt: prompt, continuations: labels, task: .classify, owner: task.client)
        return generator.score(request) { outcome in
            onFinish(outcome.map { Classification(labels: labels, logits: $0.logprobs, metrics: $0.metrics) })
        }
    }

    /// The prompt every label is scored after, or why the labels cannot be scored.
    ///
    /// In tokens, a long input keeps its end, leaving room for the longest label in the context (the instruction's
    /// response header must stay right before the label); in characters, the input is its last `limits.input`.
    static func prompt(_ text: String, labels: [String], measure: PromptMeasure) -> Result<Prompt, TaskError> {
        guard !labels.isEmpty, !labels.contains(where: \.isEmpty) else {
            return .failure(.failed("zero-shot classification needs at least one label, and no empty label"))
        }
        let instruction = PromptFormat.zeroShotInstruction(labels: labels)
        switch measure {
        case .tokens(let tokenizer, let context):
            let lengths = labels.map { tokenizer.encode($0).count }
            // A label must leave room for at least one prompt token before it.
            if let index = lengths.firstIndex(where: { $0 >= context }) {
                return .failure(.failed("label \(index + 1) has \(lengths[index]) tokens, but the model's context "
                    + "holds \(context) for the prompt and the label together; use shorter labels"))
            }
            let head = tokenizer.promptStart
            let tokens = tokenizer.encode(PromptFormat.alpaca(instruction: instruction, input: text))
            return .success(.tokens(head + tokens.suffix(max(1, context - lengths.max()! - head.count))))
        case .characters(let limits):
            let input = String(text.suffix(limits.input))
            return .success(.text(PromptFormat.alpaca(instruction: instruction, input: input)))
        }
    }
}
