import JSON
import JSONRPC

/// `$/cancelRequest`: the client no longer wants the answer to request `id`.
public struct CancelRequestNotification: NotificationType, Equatable {
    public static let method = "$/cancelRequest"

    public var id: RequestID

    public init(id: RequestID) {
        self.id = id
    }

    /// Only `params.id` is checked, whatever `params` is (JSON-RPC ids are integers or strings, never floats).
    public init(params: JSONValue?) throws(ResponseError) {
        guard let raw = params?["id"], let id = RequestID(json: raw) else {
            throw ResponseError(.invalidParams, "\(Self.method): params.id must be an integer or a string")
        }
        self.init(id: id)
    }
}
