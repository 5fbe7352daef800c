/// `textDocument/inlineCompletion` (LSP 3.18): ghost text at the cursor of an open document.
public struct InlineCompletionRequest: TextDocumentPositionRequest, Equatable {
    public static let method = "textDocument/inlineCompletion"
    public typealias Response = InlineCompletionList

    public var textDocument: TextDocumentIdentifier
    public var position: Position

    public init(textDocument: TextDocumentIdentifier, position: Position) {
        self.textDocument = textDocument
        self.position = position
    }
}
