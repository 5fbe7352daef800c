import JSON

/// A body that is not a usable JSON-RPC message, with the error reply it calls for.
///
/// `id` is the message's id when it could be read (the reply then carries it), nil otherwise (`"id": null`).
/// `repliable` is false for a malformed *response*: JSON-RPC never answers a response, so it is only logged.
public struct InvalidMessage: Error, Equatable, Sendable, CustomStringConvertible {
    public var id: RequestID?
    public var error: ResponseError
    public var repliable: Bool

    public init(id: RequestID?, error: ResponseError, repliable: Bool = true) {
        self.id = id
        self.error = error
        self.repliable = repliable
    }

    /// The error response to send, or nil when none is due.
    public var reply: Message? { repliable ? .failure(id: id, error: error) : nil }

    public var description: String {
        "\(error) (id \(id.map { $0.description } ?? "null")\(repliable ? "" : ", a response: not answered"))"
    }
}
