import JSON
import Tasks

/// The `metrics` object every task result carries (protocol/schema/metrics.schema.json): a backend's figures, times
/// rounded to hundredths of a millisecond.
extension TaskMetrics: JSONEncodable {
    public var json: JSONValue {
        var json: JSONValue = [
            "promptTokens": .int(promptTokens),
            "reusedTokens": .int(reusedTokens),
            "computedTokens": .int(computedTokens),
            "generatedTokens": .int(generatedTokens),
            "queuedMs": .number(Self.hundredths(queuedMs)),
            "firstTokenMs": .number(Self.hundredths(firstTokenMs)),
            "totalMs": .number(Self.hundredths(totalMs)),
        ]
        // Only a count in another unit, or an answer from the completion cache, says so, so the usual results keep
        // their shape.
        if promptUnit != .tokens, case .object(var object) = json {
            object["promptUnit"] = .string(promptUnit.rawValue)
            json = .object(object)
        }
        if cached, case .object(var object) = json {
            object["cached"] = true
            json = .object(object)
        }
        return json
    }

    private static func hundredths(_ milliseconds: Double) -> Double {
        (milliseconds * 100).rounded() / 100
    }
}
