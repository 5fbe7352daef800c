import JSON
import JSONRPC

/// `textDocument/didClose`: the document's text is the file's again. Closing a document that is not open is not an
/// error here: the server logs and ignores it.
public struct DidCloseTextDocumentNotification: NotificationType, Equatable {
    public static let method = "textDocument/didClose"

    public var textDocument: TextDocumentIdentifier

    public init(textDocument: TextDocumentIdentifier) {
        self.textDocument = textDocument
    }

    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        self.init(textDocument: try TextDocumentIdentifier(in: params, prefix: "didClose"))
    }
}
