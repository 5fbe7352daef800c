import JSON
import JSONRPC

/// A notification from the client, decoded: one case per method gptls knows, `unknown` for any other (ignored).
///
/// The server handles `exit` in every state and ignores other notifications until it is running, both from the
/// method name alone, before decoding; a decoding error is logged, as a notification has no reply.
public enum ClientNotification: Equatable, Sendable {
    case initialized(InitializedNotification)
    case exit(ExitNotification)
    case didOpen(DidOpenTextDocumentNotification)
    case didChange(DidChangeTextDocumentNotification)
    case didClose(DidCloseTextDocumentNotification)
    case didSave(DidSaveTextDocumentNotification)
    case didChangeConfiguration(DidChangeConfigurationNotification)
    case cancelRequest(CancelRequestNotification)
    case setTrace(SetTraceNotification)
    case logTrace(LogTraceNotification)
    case completionFeedback(CompletionFeedbackNotification)
    /// A notification gptls does not know; its params are not read.
    case unknown(method: String)

    /// Decodes the notification for `method`; throws the -32602 error of the first bad member of `params`.
    public init(method: String, params: JSONValue?) throws(ResponseError) {
        func decode<Notification: NotificationType>(_ type: Notification.Type) throws(ResponseError) -> Notification {
            try Notification(params: params)
        }
        switch method {
        case InitializedNotification.method: self = .initialized(try decode(InitializedNotification.self))
        case ExitNotification.method: self = .exit(try decode(ExitNotification.self))
        case DidOpenTextDocumentNotification.method: self = .didOpen(try decode(DidOpenTextDocumentNotification.self))
        case DidChangeTextDocumentNotification.method:
            self = .didChange(try decode(DidChangeTextDocumentNotification.self))
        case DidCloseTextDocumentNotification.method: self = .didClose(try decode(DidCloseTextDocumentNotification.self))
        case DidSaveTextDocumentNotification.method: self = .didSave(try decode(DidSaveTextDocumentNotification.self))
        case DidChangeConfigurationNotification.method:
            self = .didChangeConfiguration(try decode(DidChangeConfigurationNotification.self))
        case CancelRequestNotification.method: self = .cancelRequest(try decode(CancelRequestNotification.self))
        case SetTraceNotification.method: self = .setTrace(try decode(SetTraceNotification.self))
        case LogTraceNotification.method: self = .logTrace(try decode(LogTraceNotification.self))
        case CompletionFeedbackNotification.method:
            self = .completionFeedback(try decode(CompletionFeedbackNotification.self))
        default: self = .unknown(method: method)
        }
    }

    /// The open document a notification of `method` changes, read before the rest of `params`: the server ignores
    /// a `didChange` of a document that is not open without reading its changes.
    public static func requiredDocument(method: String, params: JSONValue?) -> RequiredDocument? {
        method == DidChangeTextDocumentNotification.method ? .named(in: params, method: method) : nil
    }

    /// The method name of the notification.
    public var method: String {
        switch self {
        case .initialized: return InitializedNotification.method
        case .exit: return ExitNotification.method
        case .didOpen: return DidOpenTextDocumentNotification.method
        case .didChange: return DidChangeTextDocumentNotification.method
        case .didClose: return DidCloseTextDocumentNotification.method
        case .didSave: return DidSaveTextDocumentNotification.method
        case .didChangeConfiguration: return DidChangeConfigurationNotification.method
        case .cancelRequest: return CancelRequestNotification.method
        case .setTrace: return SetTraceNotification.method
        case .logTrace: return LogTraceNotification.method
        case .completionFeedback: return CompletionFeedbackNotification.method
        case .unknown(let method): return method
        }
    }
}
