import JSON
import JSONRPC

/// `textDocument/didOpen`: the client now owns the document's text; changes follow as `didChange`.
public struct DidOpenTextDocumentNotification: NotificationType, Equatable {
    public static let method = "textDocument/didOpen"

    public var textDocument: TextDocumentItem

    public init(textDocument: TextDocumentItem) {
        self.textDocument = textDocument
    }

    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        self.init(textDocument: try TextDocumentItem(json: params["textDocument"]))
    }
}
