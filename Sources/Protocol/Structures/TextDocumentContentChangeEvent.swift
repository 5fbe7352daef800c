import JSON
import JSONRPC

/// One entry of `didChange.contentChanges`: a range edit, or the whole new text when `range` is nil.
public struct TextDocumentContentChangeEvent: Equatable, Sendable {
    public var range: Range?
    public var text: String

    public init(range: Range?, text: String) {
        self.range = range
        self.text = text
    }

    /// Decodes entry `index`: its `range` when the member is present (a `null` range is an error, not a full-text
    /// change), then its `text`.
    init(json: JSONValue, index: Int) throws(ResponseError) {
        var range: Range?
        if let raw = json["range"] {
            range = try Range(json: raw, path: "didChange: contentChanges[\(index)].range")
        }
        self.init(range: range, text: try Params.string(json["text"], "didChange: contentChanges[\(index)].text"))
    }
}
