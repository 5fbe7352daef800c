import GPT
import Foundation

/// An inline completion request, as the language server hands it over.
public struct CompletionRequest: Sendable {
    /// Identifies the document: a newer completion for the same key supersedes an unfinished one.
    public var documentKey: String
    /// The text before the cursor.
    public var prefix: String
    public var maxTokens: Int
    public var temperature: Double
    public var deadline: DispatchTime?
    /// Asked with the generated text after each token: true ends generation.
    public var stop: @Sendable (String) -> Bool

    public init(documentKey: String, prefix: String, maxTokens: Int, temperature: Double = 0,
                deadline: DispatchTime? = nil, stop: @escaping @Sendable (String) -> Bool = { _ in false }) {
        self.documentKey = documentKey
        self.prefix = prefix
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.deadline = deadline
        self.stop = stop
    }
}

/// Generated text and how it was made.
public struct TextResult: Sendable {
    public var text: String
    public var metrics: JobMetrics
}

/// A label with the probabilities of all labels, most likely first.
public struct Classification: Sendable {
    public var label: String
    public var scores: [(label: String, probability: Double)]
    public var metrics: JobMetrics

    /// From one logit (or total log-probability) per label: softmax, sorted by probability.
    init(labels: [String], logits: [Double], metrics: JobMetrics) {
        let maximum = logits.max() ?? 0
        let weights = logits.map { exp($0 - maximum) }
        let total = weights.reduce(0, +)
        scores = zip(labels, weights).map { ($0, $1 / total) }.sorted { $0.probability > $1.probability }
        label = scores.first?.label ?? ""
        self.metrics = metrics
    }
}

/// Gathers the results of several jobs that run in parallel and reports once, when all are in or one failed.
final class ScoreCollector<Value>: @unchecked Sendable {
    private var values: [Value?]
    private var remaining: Int
    private var done = false
    private let onDone: (Result<[Value], EngineError>) -> Void

    /// Threading: `set` is called from the engine thread only (engine callbacks), so no lock is needed.
    init(count: Int, onDone: @escaping (Result<[Value], EngineError>) -> Void) {
        values = Array(repeating: nil, count: count)
        remaining = count
        self.onDone = onDone
    }

    func set(_ index: Int, _ outcome: Result<Value, EngineError>) {
        guard !done else { return }
        switch outcome {
        case .failure(let error):
            done = true
            onDone(.failure(error))
        case .success(let value):
            values[index] = value
            remaining -= 1
            if remaining == 0 {
                done = true
                onDone(.success(values.map { $0! }))
            }
        }
    }
}

extension JobMetrics {
    /// Sums the token counts and keeps the larger timings (jobs of one task overlap in time).
    func adding(_ other: JobMetrics) -> JobMetrics {
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
