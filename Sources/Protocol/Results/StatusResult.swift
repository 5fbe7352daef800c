import JSON

/// The result of `gptls/status`: `{documents, pendingRequests, positionEncoding, models, completionFeedback,
/// completionCache, connections, memory, backendsLoaded}`; the first six are the asking connection's, the rest the
/// whole process's.
///
/// `models` is what the backend reports (`ModelsStatus`: engine steps and caches for the local one, endpoints for a
/// remote one, `{loaded: false}` before a model is loaded, `{error}` when loading failed). `completionFeedback` holds the clients' reports of what became of
/// inline completions, per model (the model setting's value, `default` for the bundled model).
public struct StatusResult: Equatable, Sendable, JSONEncodable {
    public var documents: Int
    public var pendingRequests: Int
    public var positionEncoding: PositionEncoding
    public var models: ModelsStatus
    public var completionFeedback: [String: CompletionFeedbackCounts]
    public var completionCache: CompletionCacheStatus
    /// Every client connection of this process (one for stdio), this one included.
    public var connections: [ConnectionStatus]
    /// Resident memory of the whole process, in bytes (0 where the system does not say).
    public var residentBytes: Int
    /// Distinct model configurations loaded for all connections together.
    public var backendsLoaded: Int
    /// The process's memory limit in bytes and where it comes from; nil when it has none.
    public var memoryLimit: (bytes: Int, source: String)?

    public init(documents: Int, pendingRequests: Int, positionEncoding: PositionEncoding, models: ModelsStatus,
                completionFeedback: [String: CompletionFeedbackCounts] = [:],
                completionCache: CompletionCacheStatus = CompletionCacheStatus(), connections: [ConnectionStatus] = [],
                residentBytes: Int = 0, backendsLoaded: Int = 0, memoryLimit: (bytes: Int, source: String)? = nil) {
        self.documents = documents
        self.pendingRequests = pendingRequests
        self.positionEncoding = positionEncoding
        self.models = models
        self.completionFeedback = completionFeedback
        self.completionCache = completionCache
        self.connections = connections
        self.residentBytes = residentBytes
        self.backendsLoaded = backendsLoaded
        self.memoryLimit = memoryLimit
    }

    public static func == (left: StatusResult, right: StatusResult) -> Bool {
        left.json == right.json
    }

    public var json: JSONValue {
        [
            "documents": .int(documents),
            "pendingRequests": .int(pendingRequests),
            "positionEncoding": .string(positionEncoding.rawValue),
            "models": models.json,
            "completionFeedback": .object(JSONObject(completionFeedback.sorted { $0.key < $1.key }
                .map { ($0.key, $0.value.json) })),
            "completionCache": completionCache.json,
            "connections": .array(connections.map(\.json)),
            "memory": memoryLimit.map { limit in
                ["residentBytes": .int(residentBytes), "limitBytes": .int(limit.bytes), "limitSource": .string(limit.source)]
            } ?? ["residentBytes": .int(residentBytes)],
            "backendsLoaded": .int(backendsLoaded),
        ]
    }
}

/// One client connection in `gptls/status`.
public struct ConnectionStatus: Equatable, Sendable, JSONEncodable {
    /// Unique within the process; the connection asking is marked by `current`.
    public var id: String
    /// From `clientInfo`; nil when the client did not say.
    public var clientName: String?
    public var documents: Int
    public var pendingRequests: Int
    public var current: Bool
    /// The methods of the requests waiting for a reply, for the shared process's crash report; not on the wire.
    public var pendingMethods: [String]

    public init(id: String, clientName: String?, documents: Int, pendingRequests: Int, current: Bool = false,
                pendingMethods: [String] = []) {
        self.id = id
        self.clientName = clientName
        self.documents = documents
        self.pendingRequests = pendingRequests
        self.current = current
        self.pendingMethods = pendingMethods
    }

    public var json: JSONValue {
        [
            "id": .string(id),
            "clientName": clientName.map(JSONValue.string) ?? .null,
            "documents": .int(documents),
            "pendingRequests": .int(pendingRequests),
            "current": .bool(current),
        ]
    }
}
