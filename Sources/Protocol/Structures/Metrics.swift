import JSON

/// The `metrics` object every task result carries (protocol/schema/metrics.schema.json).
///
/// Backends measure in their own types and map into this one; times are written rounded to 0.01 ms.
public struct Metrics: Equatable, Sendable, JSONEncodable {
    /// Tokens of the prompt(s) the task ran.
    public var promptTokens: Int
    /// Prompt tokens whose keys and values came from the cache.
    public var reusedTokens: Int
    /// Prompt tokens run through the model for this request.
    public var computedTokens: Int
    public var generatedTokens: Int
    /// From arrival at the engine to the first step that included the task.
    public var queuedMs: Double
    /// From arrival to the first generated token (or the end of the prompt).
    public var firstTokenMs: Double
    public var totalMs: Double

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

    public var json: JSONValue {
        [
            "promptTokens": .int(promptTokens),
            "reusedTokens": .int(reusedTokens),
            "computedTokens": .int(computedTokens),
            "generatedTokens": .int(generatedTokens),
            "queuedMs": .number(Metrics.hundredths(queuedMs)),
            "firstTokenMs": .number(Metrics.hundredths(firstTokenMs)),
            "totalMs": .number(Metrics.hundredths(totalMs)),
        ]
    }

    /// Rounded to two decimal places: sub-10-microsecond digits are noise, and they make replies longer.
    private static func hundredths(_ milliseconds: Double) -> Double {
        (milliseconds * 100).rounded() / 100
    }
}
