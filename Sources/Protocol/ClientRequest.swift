import JSON
import JSONRPC

/// A request from the client, decoded: one case per method gptls implements, `unknown` for any other.
///
/// The server decides lifecycle questions (not initialized yet, shut down) from the method name alone, before
/// decoding, and answers `unknown` with -32601; decoding then throws only the -32602 errors of the params:
///
///     // after the lifecycle checks on `method` (InitializeRequest.method, ShutdownRequest.method):
///     if let document = ClientRequest.requiredDocument(method: method, params: params),
///        documents[document.uri] == nil {
///         return reply(id, .failure(document.notOpen))
///     }
///     switch try ClientRequest(method: method, params: params) {
///     case .inlineCompletion(let request): ...   // request.textDocument.uri is open, request.position valid
///     case .unknown(let method): reply(id, .failure(ClientRequest.methodNotFound(method)))
///     ...
///     }
public enum ClientRequest: Equatable, Sendable {
    case initialize(InitializeRequest)
    case shutdown(ShutdownRequest)
    case inlineCompletion(InlineCompletionRequest)
    case completion(CompletionRequest)
    case codeAction(CodeActionRequest)
    case executeCommand(ExecuteCommandRequest)
    case summarize(SummarizeRequest)
    case classify(ClassifyRequest)
    case status(StatusRequest)
    /// A method gptls does not implement; its params are not read.
    case unknown(method: String)

    /// Decodes the request for `method`; throws the -32602 error of the first bad member of `params`.
    public init(method: String, params: JSONValue?) throws(ResponseError) {
        func decode<Request: RequestType>(_ type: Request.Type) throws(ResponseError) -> Request {
            try Request(params: params)
        }
        switch method {
        case InitializeRequest.method: self = .initialize(try decode(InitializeRequest.self))
        case ShutdownRequest.method: self = .shutdown(try decode(ShutdownRequest.self))
        case InlineCompletionRequest.method: self = .inlineCompletion(try decode(InlineCompletionRequest.self))
        case CompletionRequest.method: self = .completion(try decode(CompletionRequest.self))
        case CodeActionRequest.method: self = .codeAction(try decode(CodeActionRequest.self))
        case ExecuteCommandRequest.method: self = .executeCommand(try decode(ExecuteCommandRequest.self))
        case SummarizeRequest.method: self = .summarize(try decode(SummarizeRequest.self))
        case ClassifyRequest.method: self = .classify(try decode(ClassifyRequest.self))
        case StatusRequest.method: self = .status(try decode(StatusRequest.self))
        default: self = .unknown(method: method)
        }
    }

    /// The open document a request of `method` works on, read before the rest of `params`: the server refuses the
    /// request with `RequiredDocument.notOpen` when it is not open, before decoding it.
    public static func requiredDocument(method: String, params: JSONValue?) -> RequiredDocument? {
        let types: [any DocumentRequestType.Type] = [InlineCompletionRequest.self, CompletionRequest.self,
                                                     CodeActionRequest.self, ExecuteCommandRequest.self,
                                                     SummarizeRequest.self, ClassifyRequest.self]
        return types.first { $0.method == method }?.requiredDocument(in: params)
    }

    /// The method name of the request.
    public var method: String {
        switch self {
        case .initialize: return InitializeRequest.method
        case .shutdown: return ShutdownRequest.method
        case .inlineCompletion: return InlineCompletionRequest.method
        case .completion: return CompletionRequest.method
        case .codeAction: return CodeActionRequest.method
        case .executeCommand: return ExecuteCommandRequest.method
        case .summarize: return SummarizeRequest.method
        case .classify: return ClassifyRequest.method
        case .status: return StatusRequest.method
        case .unknown(let method): return method
        }
    }

    /// The -32601 error for a method gptls does not implement.
    public static func methodNotFound(_ method: String) -> ResponseError {
        ResponseError(.methodNotFound, "\(method): gptls does not implement this method")
    }
}
