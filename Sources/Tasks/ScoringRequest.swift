/// Continuations a task asks a `Generator` to score after one prompt (the labels of a zero-shot classification).
public struct ScoringRequest: Sendable {
    public var prompt: Prompt
    /// Texts to score, each right after the prompt; none empty.
    public var continuations: [String]
    /// The task this serves, which sets its priority.
    public var task: TaskKind
    /// Who asks (one client connection), for a fair share between clients.
    public var owner: String

    public init(prompt: Prompt, continuations: [String], task: TaskKind, owner: String = "") {
        self.prompt = prompt
        self.continuations = continuations
        self.task = task
        self.owner = owner
    }
}

/// The scores of a `ScoringRequest`: one total log-probability per continuation, in the request's order.
public struct ContinuationScores: Sendable {
    public var logprobs: [Double]
    public var metrics: TaskMetrics

    public init(logprobs: [Double], metrics: TaskMetrics) {
        self.logprobs = logprobs
        self.metrics = metrics
    }
}
