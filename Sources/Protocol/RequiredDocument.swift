import JSON
import JSONRPC

/// The open document a message works on, read from its params before the rest of them.
///
/// Whether a document is open is the session's knowledge, not the wire's: the server asks for the document a message
/// names (`ClientRequest.requiredDocument`, `ClientNotification.requiredDocument`) and refuses or ignores the message
/// when it is not open, before decoding it. So a request with a closed document and a bad position gets the
/// "not open" error, and errors that come before the document (params not an object, no `textDocument.uri`) are
/// left to decoding, in the order decoding reads the members.
public struct RequiredDocument: Equatable, Sendable {
    public var uri: String
    /// The method the error names: an `executeCommand`'s refusal names the task it invokes.
    public var method: String

    public init(uri: String, method: String) {
        self.uri = uri
        self.method = method
    }

    /// The -32602 error of a request whose document is not open.
    public var notOpen: ResponseError { .documentNotOpen(uri: uri, method: method) }

    /// `textDocument.uri` of `params`, read as `TextDocumentIdentifier` decodes it; nil where decoding fails first.
    static func named(in params: JSONValue?, method: String) -> RequiredDocument? {
        guard let params, case .object = params, let uri = params["textDocument"]?["uri"]?.string else { return nil }
        return RequiredDocument(uri: uri, method: method)
    }
}

/// A request that works on an open document.
public protocol DocumentRequestType: RequestType {
    /// The document `params` names, read as far as decoding reads before it; nil when the request names none (a
    /// `text` target) or decoding fails before the document.
    static func requiredDocument(in params: JSONValue?) -> RequiredDocument?
}

extension ResponseError {
    /// -32602 for a request that names a document the client has not opened.
    public static func documentNotOpen(uri: String, method: String) -> ResponseError {
        ResponseError(.invalidParams,
                      "\(method): \(uri) is not open; send \(DidOpenTextDocumentNotification.method) first")
    }
}
