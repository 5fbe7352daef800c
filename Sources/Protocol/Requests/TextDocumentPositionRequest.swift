import JSON
import JSONRPC

/// A request about a position in an open document (LSP's `TextDocumentPositionParams`): both completion methods.
///
/// Decoded in order: the params object, `textDocument.uri` (the server checks here that the document is open, see
/// `RequiredDocument`), then `position`; errors start with the method name. `context` (the trigger) is not read: every trigger is
/// served alike.
public protocol TextDocumentPositionRequest: DocumentRequestType {
    var textDocument: TextDocumentIdentifier { get }
    var position: Position { get }
    init(textDocument: TextDocumentIdentifier, position: Position)
}

extension TextDocumentPositionRequest {
    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        let document = try TextDocumentIdentifier(in: params, prefix: Self.method)
        self.init(textDocument: document, position: try Position(json: params["position"], path: "\(Self.method): position"))
    }

    public static func requiredDocument(in params: JSONValue?) -> RequiredDocument? {
        .named(in: params, method: method)
    }
}
