import Foundation

/// Figures of one task, the same for every backend: counts in tokens, times in milliseconds since submission.
public struct TaskMetrics: Equatable, Sendable {
    /// What the prompt counts count: tokens, or characters where a serving engine tokenized the prompt and did not
    /// say how many tokens it made.
    public enum PromptUnit: String, Sendable {
        case tokens
        case characters
    }

    public var promptTokens: Int
    /// Prompt tokens whose keys and values came from a cache.
    public var reusedTokens: Int
    /// Prompt tokens computed for this task.
    public var computedTokens: Int
    public var generatedTokens: Int
    /// Until the model first worked on the task.
    public var queuedMs: Double
    /// Until the first generated token (or the end of the prompt when nothing is generated).
    public var firstTokenMs: Double
    public var totalMs: Double
    public var promptUnit = PromptUnit.tokens
    /// The text came from the language server's cache of earlier suggestions: no model work at all.
    public var cached = false

    public init(promptTokens: Int = 0, reusedTokens: Int = 0, computedTokens: Int = 0, generatedTokens: Int = 0,
                queuedMs: Double = 0, firstTokenMs: Double = 0, totalMs: Double = 0) {
        self.promptTokens = promptTokens
        self.reusedTokens = reusedTokens
        self.computedTokens = computedTokens
        self.generatedTokens = generatedTokens
        self.queuedMs = queuedMs
        self.firstTokenMs = firstTokenMs
        self.totalMs = totalMs
    }

    /// The figures of an answer from the completion cache: nothing computed, nothing generated.
    public static var fromCompletionCache: TaskMetrics {
        var metrics = TaskMetrics()
        metrics.cached = true
        return metrics
    }

    /// Sums the token counts and keeps the larger timings: parts of one task overlap in time.
    public func adding(_ other: TaskMetrics) -> TaskMetrics {
        var sum = self
        sum.promptTokens += other.promptTokens
        sum.reusedTokens += other.reusedTokens
        sum.computedTokens += other.computedTokens
        sum.generatedTokens += other.generatedTokens
        sum.queuedMs = max(queuedMs, other.queuedMs)
        sum.firstTokenMs = max(firstTokenMs, other.firstTokenMs)
        sum.totalMs = max(totalMs, other.totalMs)
        return sum
    }
}

/// Generated text and how it was made.
public struct TextResult: Sendable {
    public var text: String
    public var metrics: TaskMetrics

    public init(text: String, metrics: TaskMetrics) {
        self.text = text
        self.metrics = metrics
    }
}

/// A label with the probabilities of all labels, most likely first.
public struct Classification: Sendable {
    public var label: String
    public var scores: [(label: String, probability: Double)]
    public var metrics: TaskMetrics

    /// From one logit (or total log-probability) per label: softmax, sorted by probability.
    public init(labels: [String], logits: [Double], metrics: TaskMetrics) {
        let maximum = logits.max() ?? 0
        let weights = logits.map { exp($0 - maximum) }
        let total = weights.reduce(0, +)
        scores = zip(labels, weights).map { ($0, $1 / total) }.sorted { $0.probability > $1.probability }
        label = scores.first?.label ?? ""
        self.metrics = metrics
    }
}
