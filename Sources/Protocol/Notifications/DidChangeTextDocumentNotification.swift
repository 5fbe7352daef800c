import JSON
import JSONRPC

/// `textDocument/didChange`: full-text and range edits of an open document, to apply in order.
///
/// Decoded in order: params object, `textDocument.uri`, `contentChanges`. A change to a document that is not open is
/// ignored by the server before it is decoded (`ClientNotification.requiredDocument`), so its changes are not read
/// (and not refused).
public struct DidChangeTextDocumentNotification: NotificationType, Equatable {
    public static let method = "textDocument/didChange"

    public var textDocument: TextDocumentIdentifier
    /// `textDocument.version` when it is an integer; nil means one more than the document's current version.
    public var version: Int?
    public var contentChanges: [TextDocumentContentChangeEvent]

    public init(textDocument: TextDocumentIdentifier, version: Int?, contentChanges: [TextDocumentContentChangeEvent]) {
        self.textDocument = textDocument
        self.version = version
        self.contentChanges = contentChanges
    }

    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        let document = try TextDocumentIdentifier(in: params, prefix: "didChange")
        let version = params["textDocument"]?["version"]?.int
        guard let raw = params["contentChanges"]?.array else {
            throw ResponseError(.invalidParams, "didChange: contentChanges must be an array")
        }
        var changes: [TextDocumentContentChangeEvent] = []
        changes.reserveCapacity(raw.count)
        for (index, change) in raw.enumerated() {
            changes.append(try TextDocumentContentChangeEvent(json: change, index: index))
        }
        self.init(textDocument: document, version: version, contentChanges: changes)
    }
}
