import JSON
import JSONRPC

/// `exit`: end the process (code 0 after `shutdown`, 1 otherwise). Accepted in every state; its params are ignored.
public struct ExitNotification: NotificationType, Equatable {
    public static let method = "exit"

    public init() {}

    public init(params: JSONValue?) {}
}
