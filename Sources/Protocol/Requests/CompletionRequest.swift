/// `textDocument/completion`: the inline completion as one completion item, for clients without inline completion.
public struct CompletionRequest: TextDocumentPositionRequest, Equatable {
    public static let method = "textDocument/completion"
    public typealias Response = CompletionList

    public var textDocument: TextDocumentIdentifier
    public var position: Position

    public init(textDocument: TextDocumentIdentifier, position: Position) {
        self.textDocument = textDocument
        self.position = position
    }
}
