import JSON

/// What users did with one model's inline completions, as `gptls/status` reports it under `completionFeedback`:
/// `{shown, accepted, partiallyAccepted, dismissed, acceptedCharacters, acceptanceRate}`.
///
/// `acceptanceRate` is the share of shown completions that were kept in full or in part (null before any was
/// shown), so two models can be compared on the same person's typing.
public struct CompletionFeedbackCounts: Equatable, Sendable, JSONEncodable {
    public var shown = 0
    public var accepted = 0
    public var partiallyAccepted = 0
    public var dismissed = 0
    public var acceptedCharacters = 0

    public init() {}

    /// Counts one event; the characters of an accept or a partial accept add to `acceptedCharacters`.
    public mutating func record(_ feedback: CompletionFeedbackNotification) {
        switch feedback.event {
        case .shown: shown += 1
        case .accepted: accepted += 1
        case .partiallyAccepted: partiallyAccepted += 1
        case .dismissed: dismissed += 1
        }
        if feedback.event == .accepted || feedback.event == .partiallyAccepted {
            acceptedCharacters += feedback.acceptedCharacters ?? 0
        }
    }

    public var acceptanceRate: Double? {
        guard shown > 0 else { return nil }
        return min(1, Double(accepted + partiallyAccepted) / Double(shown))
    }

    public var json: JSONValue {
        [
            "shown": .int(shown),
            "accepted": .int(accepted),
            "partiallyAccepted": .int(partiallyAccepted),
            "dismissed": .int(dismissed),
            "acceptedCharacters": .int(acceptedCharacters),
            "acceptanceRate": acceptanceRate.map { .number(($0 * 10_000).rounded() / 10_000) } ?? .null,
        ]
    }
}
