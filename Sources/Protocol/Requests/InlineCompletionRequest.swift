import JSON
import JSONRPC

/// `textDocument/inlineCompletion` (LSP 3.18): ghost text at the cursor of an open document.
///
/// Decoded in the order the server has always checked: the params object, `textDocument.uri`, that the document is
/// open, then `position`. `context` (the trigger kind) is not read: both triggers are served alike.
public struct InlineCompletionRequest: RequestType, Equatable {
    public static let method = "textDocument/inlineCompletion"
    public typealias Response = InlineCompletionList

    public var textDocument: TextDocumentIdentifier
    public var position: Position

    public init(textDocument: TextDocumentIdentifier, position: Position) {
        self.textDocument = textDocument
        self.position = position
    }

    public init(params: JSONValue?, context: DecodingContext) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        let document = try TextDocumentIdentifier(in: params, prefix: Self.method)
        try context.requireOpen(document.uri, Self.method)
        self.init(textDocument: document, position: try Position(json: params["position"], path: "\(Self.method): position"))
    }
}
