import JSON
import JSONRPC

/// `textDocument/didSave`: the document was saved. The server keeps no file state, so nothing is refused here.
public struct DidSaveTextDocumentNotification: NotificationType, Equatable {
    public static let method = "textDocument/didSave"

    /// `textDocument.uri`, nil when the client sent none.
    public var uri: String?

    public init(uri: String?) {
        self.uri = uri
    }

    public init(params: JSONValue?) {
        self.init(uri: params?["textDocument"]?["uri"]?.string)
    }
}
