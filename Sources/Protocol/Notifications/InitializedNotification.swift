import JSON
import JSONRPC

/// `initialized`: the client has the `initialize` reply. Nothing to do; its params are ignored.
public struct InitializedNotification: NotificationType, Equatable {
    public static let method = "initialized"

    public init() {}

    public init(params: JSONValue?) {}
}
