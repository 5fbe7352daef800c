import JSON
import JSONRPC

/// `gptls/status`: engine and cache figures. Takes no params; any are ignored.
public struct StatusRequest: RequestType, Equatable {
    public static let method = "gptls/status"
    public typealias Response = StatusResult

    public init() {}

    public init(params: JSONValue?) {}
}
