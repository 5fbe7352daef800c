import JSON
import JSONRPC

/// `textDocument/codeAction`: the actions for a selection of an open document.
///
/// Decoded in order: params object, `textDocument.uri` (the document open: `RequiredDocument`), `range` (required). `context` is not read.
public struct CodeActionRequest: DocumentRequestType, Equatable {
    public static let method = "textDocument/codeAction"
    public typealias Response = [CodeAction]

    public var textDocument: TextDocumentIdentifier
    public var range: Range

    public init(textDocument: TextDocumentIdentifier, range: Range) {
        self.textDocument = textDocument
        self.range = range
    }

    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        let document = try TextDocumentIdentifier(in: params, prefix: Self.method)
        self.init(textDocument: document, range: try Range(json: params["range"], path: "\(Self.method): range"))
    }

    public static func requiredDocument(in params: JSONValue?) -> RequiredDocument? {
        .named(in: params, method: method)
    }
}
