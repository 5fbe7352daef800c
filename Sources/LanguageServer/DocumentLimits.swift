/// How much document text one session keeps for its client, so that no client can grow the server without bound.
///
/// A document is its UTF-8 bytes plus an index of line starts (one `Int` per line) plus a fixed overhead; the
/// session's open documents together may cost at most `maximumOpenBytes` of that. A document above a limit is
/// refused whole (see `DocumentLimitError`), never truncated: a model that sees half a file would complete the wrong
/// text.
public struct DocumentLimits: Equatable, Sendable {
    /// The largest document, in UTF-8 bytes of its text. 32 MiB: larger than any source file an editor shows as code,
    /// and the text of a `didOpen` of that size still fits a 64 MiB frame after JSON escaping.
    public var maximumDocumentBytes: Int
    /// What all open documents of a session may cost together, in bytes (text, line index and overhead).
    public var maximumOpenBytes: Int

    /// Bytes one open document costs besides its text: its URI, dictionary slot and the two arrays' headers.
    public static let overheadPerDocument = 256

    public init(maximumDocumentBytes: Int = 32 << 20, maximumOpenBytes: Int = 256 << 20) {
        self.maximumDocumentBytes = maximumDocumentBytes
        self.maximumOpenBytes = maximumOpenBytes
    }

    /// What a document of `textBytes` bytes and `lines` lines with URI `uri` costs against `maximumOpenBytes`.
    public static func cost(textBytes: Int, lines: Int, uri: String) -> Int {
        textBytes + lines * MemoryLayout<Int>.stride + uri.utf8.count + overheadPerDocument
    }
}
