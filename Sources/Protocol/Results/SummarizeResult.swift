import JSON
import Tasks

/// The result of `gptls/summarize`: `{summary, metrics}`.
public struct SummarizeResult: Equatable, Sendable, JSONEncodable {
    public var summary: String
    public var metrics: TaskMetrics

    public init(summary: String, metrics: TaskMetrics) {
        self.summary = summary
        self.metrics = metrics
    }

    public var json: JSONValue {
        ["summary": .string(summary), "metrics": metrics.json]
    }
}
