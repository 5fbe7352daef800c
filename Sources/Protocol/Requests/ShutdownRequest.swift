import JSON
import JSONRPC

/// `shutdown`: stop serving; only `exit` is accepted afterwards. Its params, if any, are ignored.
public struct ShutdownRequest: RequestType, Equatable {
    public static let method = "shutdown"
    public typealias Response = NullResult

    public init() {}

    public init(params: JSONValue?) {}
}
