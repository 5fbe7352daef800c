import JSON
import Tasks

/// The result of `textDocument/inlineCompletion`: `{items: [{insertText, range}], metrics}`.
public struct InlineCompletionList: Equatable, Sendable, JSONEncodable {
    /// Empty when the model had nothing useful to offer.
    public var items: [InlineCompletionItem]
    public var metrics: TaskMetrics

    public init(items: [InlineCompletionItem], metrics: TaskMetrics) {
        self.items = items
        self.metrics = metrics
    }

    /// The completion `text` inserted at `position`, or no item when `text` is nil.
    public init(text: String?, at position: Position, metrics: TaskMetrics) {
        self.init(items: text.map { [InlineCompletionItem(insertText: $0, range: Range(at: position))] } ?? [],
                  metrics: metrics)
    }

    public var json: JSONValue {
        ["items": items.json, "metrics": metrics.json]
    }
}

/// One inline completion: the text to insert and the range it replaces (empty: at the cursor).
public struct InlineCompletionItem: Equatable, Sendable, JSONEncodable {
    public var insertText: String
    public var range: Range

    public init(insertText: String, range: Range) {
        self.insertText = insertText
        self.range = range
    }

    public var json: JSONValue {
        ["insertText": .string(insertText), "range": range.json]
    }
}
