import JSON

/// The result of `gptls/status`: `{documents, pendingRequests, positionEncoding, models}`.
///
/// `models` is whatever the backend reports (engine steps and caches for the local one, `{loaded: false}` before a
/// model is loaded, `{error}` when loading failed), so it stays a JSON value that the backend's owner shapes;
/// protocol/schema/status.schema.json documents it.
public struct StatusResult: Equatable, Sendable, JSONEncodable {
    public var documents: Int
    public var pendingRequests: Int
    public var positionEncoding: PositionEncoding
    public var models: JSONValue

    public init(documents: Int, pendingRequests: Int, positionEncoding: PositionEncoding, models: JSONValue) {
        self.documents = documents
        self.pendingRequests = pendingRequests
        self.positionEncoding = positionEncoding
        self.models = models
    }

    public var json: JSONValue {
        [
            "documents": .int(documents),
            "pendingRequests": .int(pendingRequests),
            "positionEncoding": .string(positionEncoding.rawValue),
            "models": models,
        ]
    }
}
