import JSON
import JSONRPC

/// `$/setTrace`: the client's trace level ("off", "messages", "verbose"). gptls logs to stderr and ignores it, so
/// nothing is refused here.
public struct SetTraceNotification: NotificationType, Equatable {
    public static let method = "$/setTrace"

    /// `value`, nil when it is not a string.
    public var value: String?

    public init(value: String?) {
        self.value = value
    }

    public init(params: JSONValue?) {
        self.init(value: params?["value"]?.string)
    }
}
