import JSON
import JSONRPC

/// `$/logTrace`: a trace line. LSP has servers send it; a client that sends one is ignored, and nothing is refused.
public struct LogTraceNotification: NotificationType, Equatable {
    public static let method = "$/logTrace"

    /// `message`, nil when it is not a string.
    public var message: String?

    public init(message: String?) {
        self.message = message
    }

    public init(params: JSONValue?) {
        self.init(message: params?["message"]?.string)
    }
}
