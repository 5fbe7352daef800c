/// A JSON-RPC error code, with the codes of JSON-RPC 2.0 and LSP 3.17 named.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }

    // JSON-RPC 2.0.
    /// The body is not JSON (or not UTF-8). Sent by the connection, with `id: null`.
    public static let parseError = ErrorCode(-32700)
    /// The JSON is not a request: not an object, `jsonrpc` not "2.0", a bad id, method or params, a batch.
    public static let invalidRequest = ErrorCode(-32600)
    /// No such method (requests only: unknown notifications are ignored).
    public static let methodNotFound = ErrorCode(-32601)
    /// The params do not have the shape the method needs.
    public static let invalidParams = ErrorCode(-32602)
    /// The server failed while handling a valid request.
    public static let internalError = ErrorCode(-32603)

    // LSP.
    /// A request other than `initialize` arrived before `initialize`.
    public static let serverNotInitialized = ErrorCode(-32002)
    public static let unknownErrorCode = ErrorCode(-32001)
    /// The request was valid but failed for a reason the message explains (LSP 3.17).
    public static let requestFailed = ErrorCode(-32803)
    /// The server cancelled the request itself (LSP 3.17).
    public static let serverCancelled = ErrorCode(-32802)
    /// The document changed under the request, so its result would be stale.
    public static let contentModified = ErrorCode(-32801)
    /// The client cancelled the request with `$/cancelRequest`.
    public static let requestCancelled = ErrorCode(-32800)

    public var name: String? {
        switch self {
        case .parseError: return "ParseError"
        case .invalidRequest: return "InvalidRequest"
        case .methodNotFound: return "MethodNotFound"
        case .invalidParams: return "InvalidParams"
        case .internalError: return "InternalError"
        case .serverNotInitialized: return "ServerNotInitialized"
        case .unknownErrorCode: return "UnknownErrorCode"
        case .requestFailed: return "RequestFailed"
        case .serverCancelled: return "ServerCancelled"
        case .contentModified: return "ContentModified"
        case .requestCancelled: return "RequestCancelled"
        default: return nil
        }
    }

    public var description: String { name.map { "\(rawValue) \($0)" } ?? "\(rawValue)" }
}
