import JSON

/// The result of `gptls/summarize`: `{summary, metrics}`.
public struct SummarizeResult: Equatable, Sendable, JSONEncodable {
    public var summary: String
    public var metrics: Metrics

    public init(summary: String, metrics: Metrics) {
        self.summary = summary
        self.metrics = metrics
    }

    public var json: JSONValue {
        ["summary": .string(summary), "metrics": metrics.json]
    }
}
