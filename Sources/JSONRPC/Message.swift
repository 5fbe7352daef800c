import JSON

/// One JSON-RPC 2.0 message, in either direction.
///
/// `params` is nil when the member is absent (it is then omitted on the wire). A response's `id` is nil only for
/// the errors sent when a message's id could not be read (`"id": null` on the wire).
public enum Message: Equatable, Sendable {
    case request(id: RequestID, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    case response(id: RequestID?, result: Result<JSONValue, ResponseError>)

    /// A successful response.
    public static func success(id: RequestID, result: JSONValue) -> Message {
        .response(id: id, result: .success(result))
    }

    /// An error response.
    public static func failure(id: RequestID?, error: ResponseError) -> Message {
        .response(id: id, result: .failure(error))
    }

    public var method: String? {
        switch self {
        case .request(_, let method, _), .notification(let method, _): return method
        case .response: return nil
        }
    }
}
