import JSON
import Tasks

/// The result of `gptls/classify`: `{label, scores: [{label, probability}], metrics}`.
public struct ClassifyResult: Equatable, Sendable, JSONEncodable {
    /// The most probable label.
    public var label: String
    /// Every label, most probable first.
    public var scores: [LabelScore]
    public var metrics: TaskMetrics

    public init(label: String, scores: [LabelScore], metrics: TaskMetrics) {
        self.label = label
        self.scores = scores
        self.metrics = metrics
    }

    public var json: JSONValue {
        ["label": .string(label), "scores": scores.json, "metrics": metrics.json]
    }
}

/// A label and its probability, written as computed (not rounded).
public struct LabelScore: Equatable, Sendable, JSONEncodable {
    public var label: String
    public var probability: Double

    public init(label: String, probability: Double) {
        self.label = label
        self.probability = probability
    }

    public var json: JSONValue {
        ["label": .string(label), "probability": .number(probability)]
    }
}
