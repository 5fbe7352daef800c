import JSON
import JSONRPC

/// `gptls/completionFeedback`: what the user did with an inline completion, so `gptls/status` can report how often
/// each model's suggestions are kept. Counted in the server's memory only; nothing leaves the machine.
///
/// Params: `{event: "shown" | "accepted" | "partiallyAccepted" | "dismissed", acceptedCharacters?, model?}`.
/// `acceptedCharacters` (a non-negative integer, counted in characters as the editor counts them) goes with
/// `accepted` and `partiallyAccepted`; `model` names the model the completion came from, and without it the server
/// counts the event for the model that served its latest completion.
public struct CompletionFeedbackNotification: NotificationType, Equatable {
    public static let method = "gptls/completionFeedback"

    /// What happened to a suggestion.
    public enum Event: String, CaseIterable, Sendable {
        /// The ghost text appeared.
        case shown
        /// All of it was inserted.
        case accepted
        /// A part of it (a word, a line) was inserted.
        case partiallyAccepted
        /// It went away without being inserted (dismissed, or typed over).
        case dismissed
    }

    public var event: Event
    public var acceptedCharacters: Int?
    public var model: String?

    public init(event: Event, acceptedCharacters: Int? = nil, model: String? = nil) {
        self.event = event
        self.acceptedCharacters = acceptedCharacters
        self.model = model
    }

    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        let name = try Params.string(params["event"], "completionFeedback.event")
        guard let event = Event(rawValue: name) else {
            let known = Event.allCases.map(\.rawValue).joined(separator: ", ")
            throw ResponseError(.invalidParams, "completionFeedback.event must be one of \(known), not \"\(name)\"")
        }
        var characters: Int?
        if let value = Params.present(params["acceptedCharacters"]) {
            let count = try Params.integer(value, "completionFeedback.acceptedCharacters")
            guard count >= 0 else {
                throw ResponseError(.invalidParams, "completionFeedback.acceptedCharacters must not be negative, not \(count)")
            }
            characters = count
        }
        let model = try Params.present(params["model"]).map { value throws(ResponseError) in
            try Params.string(value, "completionFeedback.model")
        }
        self.init(event: event, acceptedCharacters: characters, model: model)
    }
}
