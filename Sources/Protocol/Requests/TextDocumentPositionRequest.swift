import JSON
import JSONRPC

/// A request about a position in an open document (LSP's `TextDocumentPositionParams`): both completion methods.
///
/// Decoded in the order the server has always checked: the params object, `textDocument.uri`, that the document is
/// open, then `position`; errors start with the method name. `context` (the trigger) is not read: every trigger is
/// served alike.
public protocol TextDocumentPositionRequest: RequestType {
    var textDocument: TextDocumentIdentifier { get }
    var position: Position { get }
    init(textDocument: TextDocumentIdentifier, position: Position)
}

extension TextDocumentPositionRequest {
    public init(params: JSONValue?, context: DecodingContext) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        let document = try TextDocumentIdentifier(in: params, prefix: Self.method)
        try context.requireOpen(document.uri, Self.method)
        self.init(textDocument: document, position: try Position(json: params["position"], path: "\(Self.method): position"))
    }
}
