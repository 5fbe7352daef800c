import JSON
import Tasks

/// The result of `textDocument/completion`: `{isIncomplete, items}`.
///
/// Always incomplete, so the client asks again as the user types instead of filtering a stale generation.
public struct CompletionList: Equatable, Sendable, JSONEncodable {
    public var isIncomplete: Bool
    public var items: [CompletionItem]

    public init(isIncomplete: Bool = true, items: [CompletionItem]) {
        self.isIncomplete = isIncomplete
        self.items = items
    }

    /// The completion `text` as one item inserted at `position`, or no item when `text` is nil. The metrics travel
    /// in the item's `data`, since a completion list has no place for them.
    public init(text: String?, at position: Position, metrics: TaskMetrics) {
        self.init(items: text.map { [CompletionItem(text: $0, at: position, metrics: metrics)] } ?? [])
    }

    public var json: JSONValue {
        ["isIncomplete": .bool(isIncomplete), "items": items.json]
    }
}
