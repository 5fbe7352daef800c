import JSON

/// The result of `gptls/status`: `{documents, pendingRequests, positionEncoding, models, completionFeedback}`.
///
/// `models` is whatever the backend reports (engine steps and caches for the local one, `{loaded: false}` before a
/// model is loaded, `{error}` when loading failed), so it stays a JSON value that the backend's owner shapes;
/// protocol/schema/status.schema.json documents it. `completionFeedback` holds the clients' reports of what became of
/// inline completions, per model (the model setting's value, `default` for the bundled model).
public struct StatusResult: Equatable, Sendable, JSONEncodable {
    public var documents: Int
    public var pendingRequests: Int
    public var positionEncoding: PositionEncoding
    public var models: JSONValue
    public var completionFeedback: [String: CompletionFeedbackCounts]

    public init(documents: Int, pendingRequests: Int, positionEncoding: PositionEncoding, models: JSONValue,
                completionFeedback: [String: CompletionFeedbackCounts] = [:]) {
        self.documents = documents
        self.pendingRequests = pendingRequests
        self.positionEncoding = positionEncoding
        self.models = models
        self.completionFeedback = completionFeedback
    }

    public var json: JSONValue {
        [
            "documents": .int(documents),
            "pendingRequests": .int(pendingRequests),
            "positionEncoding": .string(positionEncoding.rawValue),
            "models": models,
            "completionFeedback": .object(JSONObject(completionFeedback.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) })),
        ]
    }
}
