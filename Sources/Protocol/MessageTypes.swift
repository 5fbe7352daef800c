import JSON
import JSONRPC

/// A value with a JSON form: results, structures and the params of the messages the server sends.
public protocol JSONEncodable {
    var json: JSONValue { get }
}

/// A request the client sends: its method name, its params decoded into `Self`, and the type of its result.
///
/// Decoding happens once, at the edge (`ClientRequest`); handlers receive the typed value. A decoding error is the
/// -32602 reply, its message naming the member and what was expected.
public protocol RequestType: Sendable {
    associatedtype Response: JSONEncodable
    static var method: String { get }
    /// Decodes `params` (nil when the message has none). Whether a named document is open is not decoding's
    /// question: see `RequiredDocument`.
    init(params: JSONValue?) throws(ResponseError)
}

/// A notification the client sends: its method name and its params decoded into `Self`.
///
/// A notification has no reply: a decoding error is logged by the server, which keeps serving.
public protocol NotificationType: Sendable {
    static var method: String { get }
    init(params: JSONValue?) throws(ResponseError)
}

/// A notification the server sends to the client.
public protocol ServerNotificationType: Sendable {
    static var method: String { get }
    var params: JSONValue { get }
}

extension Message {
    /// The notification message that carries `notification`.
    public init(_ notification: some ServerNotificationType) {
        self = .notification(method: type(of: notification).method, params: notification.params)
    }
}

extension Array: JSONEncodable where Element: JSONEncodable {
    public var json: JSONValue { .array(map(\.json)) }
}

/// The result of a request whose result is `null` (`shutdown`).
public struct NullResult: JSONEncodable, Equatable, Sendable {
    public init() {}
    public var json: JSONValue { .null }
}
