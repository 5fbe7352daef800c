import JSON
import Tasks

/// One item of a `CompletionList`: a label to show and a `TextEdit` to apply.
public struct CompletionItem: Equatable, Sendable, JSONEncodable {
    public var label: String
    /// LSP `CompletionItemKind`; 1 is Text.
    public var kind: Int
    public var detail: String
    /// LSP `InsertTextFormat`; 1 is PlainText (no snippet syntax).
    public var insertTextFormat: Int
    public var textEdit: TextEdit
    public var data: JSONValue

    public init(label: String, kind: Int = 1, detail: String = "gptls", insertTextFormat: Int = 1,
                textEdit: TextEdit, data: JSONValue) {
        self.label = label
        self.kind = kind
        self.detail = detail
        self.insertTextFormat = insertTextFormat
        self.textEdit = textEdit
        self.data = data
    }

    /// The generated `text` inserted at `position`, labelled with its first line without leading whitespace, with
    /// `data: {metrics}`.
    public init(text: String, at position: Position, metrics: TaskMetrics) {
        let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        self.init(label: String(firstLine.drop { $0.isWhitespace }),
                  textEdit: TextEdit(range: Range(at: position), newText: text),
                  data: ["metrics": metrics.json])
    }

    public var json: JSONValue {
        [
            "label": .string(label),
            "kind": .int(kind),
            "detail": .string(detail),
            "insertTextFormat": .int(insertTextFormat),
            "textEdit": textEdit.json,
            "data": data,
        ]
    }
}

/// `{range, newText}`: replace `range` with `newText`.
public struct TextEdit: Equatable, Sendable, JSONEncodable {
    public var range: Range
    public var newText: String

    public init(range: Range, newText: String) {
        self.range = range
        self.newText = newText
    }

    public var json: JSONValue {
        ["range": range.json, "newText": .string(newText)]
    }
}
