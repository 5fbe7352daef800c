import JSON
import JSONRPC

/// `textDocument/completion`: the inline completion as one completion item, for clients without inline completion.
///
/// Decoded like `InlineCompletionRequest`: params object, `textDocument.uri`, the document open, `position`.
public struct CompletionRequest: RequestType, Equatable {
    public static let method = "textDocument/completion"
    public typealias Response = CompletionList

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
