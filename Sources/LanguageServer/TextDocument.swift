import Protocol

/// An open document: its text, version and language, with conversions between LSP positions and text offsets.
///
/// The text is kept as UTF-8 bytes with an index of line starts, so a position converts in O(length of its line)
/// and an edit costs O(document) (a copy), which is cheap next to a forward pass. Line ends are `\n`, `\r\n` and `\r`,
/// as the LSP specification says. Not thread-safe: the server applies changes in arrival order on one queue.
public struct TextDocument: Sendable {
    public let uri: String
    public private(set) var languageID: String
    public private(set) var version: Int
    public private(set) var bytes: [UInt8]
    /// Byte offset at which each line starts; always begins with 0.
    private var lineStarts: [Int]

    public init(uri: String, languageID: String, version: Int, text: String) {
        self.uri = uri
        self.languageID = languageID
        self.version = version
        self.bytes = Array(text.utf8)
        self.lineStarts = TextDocument.lineStarts(of: bytes)
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The version a change without one gets: the next, or this one again at the top of `Int`'s range (an editor may
    /// open a document at any version).
    public var nextVersion: Int { version == .max ? version : version + 1 }
    public var lineCount: Int { lineStarts.count }

    /// Applies the changes of one `didChange` notification in order, each against the result of the previous one,
    /// and returns them as byte edits, in the same order (a whole new text counts as the part that differs).
    ///
    /// Throws, before applying it, at the first change that would make the text longer than `maximumBytes`; the
    /// changes before it are applied by then, so a caller that is refused drops the document.
    @discardableResult
    public mutating func apply(_ changes: [TextDocumentContentChangeEvent], version: Int, encoding: PositionEncoding,
                               maximumBytes: Int = Int.max) throws(DocumentLimitError) -> [Edit] {
        var edits: [Edit] = []
        for change in changes {
            let inserted = change.text.utf8
            if let range = change.range {
                let start = offset(of: range.start, encoding: encoding)
                let end = max(start, offset(of: range.end, encoding: encoding))
                let size = bytes.count - (end - start) + inserted.count
                guard size <= maximumBytes else {
                    throw .documentTooLarge(uri: uri, bytes: size, limit: maximumBytes)
                }
                bytes.replaceSubrange(start..<end, with: inserted)
                updateLineStarts(replacedFrom: start, to: end, insertedCount: inserted.count)
                edits.append(Edit(range: start..<end, insertedCount: inserted.count))
            } else {
                guard inserted.count <= maximumBytes else {
                    throw .documentTooLarge(uri: uri, bytes: inserted.count, limit: maximumBytes)
                }
                let new = Array(inserted)
                edits.append(Edit.between(bytes, new))
                bytes = new
                lineStarts = TextDocument.lineStarts(of: bytes)
            }
        }
        self.version = version
        return edits
    }

    /// What this document costs against `DocumentLimits.maximumOpenBytes`.
    public var cost: Int { DocumentLimits.cost(textBytes: bytes.count, lines: lineStarts.count, uri: uri) }

    /// Byte offset of a position. Out-of-range positions are clamped, as the LSP specification asks: a character
    /// past the end of its line means the end of the line (before its line break), a line past the last line means
    /// the end of the document; a position inside a character (half a surrogate pair, a byte inside a UTF-8
    /// sequence) rounds down to that character's start.
    public func offset(of position: Position, encoding: PositionEncoding) -> Int {
        guard position.line >= 0 else { return 0 }
        guard position.line < lineStarts.count else { return bytes.count }
        let lineStart = lineStarts[position.line]
        let lineEnd = contentEnd(ofLine: position.line)
        var offset = lineStart
        var units = 0
        let target = max(0, position.character)
        while offset < lineEnd {
            let (scalar, length) = TextDocument.decodeScalar(bytes, at: offset)
            let width = encoding.width(of: scalar)
            if units + width > target { break }
            units += width
            offset += length
        }
        return offset
    }

    /// The position of a byte offset (which must lie on a character boundary), in the given encoding.
    public func position(of offset: Int, encoding: PositionEncoding) -> Position {
        let clamped = min(max(0, offset), bytes.count)
        // The last line whose start is <= offset.
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= clamped { low = mid } else { high = mid - 1 }
        }
        var cursor = lineStarts[low]
        var units = 0
        while cursor < clamped {
            let (scalar, length) = TextDocument.decodeScalar(bytes, at: cursor)
            units += encoding.width(of: scalar)
            cursor += length
        }
        return Position(line: low, character: units)
    }

    /// End of a line's content, before its line break.
    func contentEnd(ofLine line: Int) -> Int {
        var end = line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count
        if end > lineStarts[line], bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        if end > lineStarts[line], bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return end
    }

    /// Updates the line index after `bytes[start..<end]` became `insertedCount` new bytes: the starts before the edit
    /// stay, those around it are found again, those after it move by the change in length.
    ///
    /// A line start depends only on the two bytes before it (`\n`, or `\r` not followed by `\n`), so only starts in
    /// `start...end + 1` (old offsets) can change. Complexity: O(inserted bytes + lines), not O(document), so a
    /// keystroke in a large document does not rescan it.
    private mutating func updateLineStarts(replacedFrom start: Int, to end: Int, insertedCount: Int) {
        let newEnd = start + insertedCount
        let delta = insertedCount - (end - start)
        let keptBefore = TextDocument.firstIndex(in: lineStarts, atLeast: max(start, 1))
        let keptAfter = TextDocument.firstIndex(in: lineStarts, atLeast: end + 2)
        var found: [Int] = []
        for i in max(start - 1, 0)..<min(newEnd + 1, bytes.count) {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r") && !(i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n")) {
                found.append(i + 1)
            }
        }
        let after = lineStarts[keptAfter...].lazy.map { $0 + delta }
        lineStarts.replaceSubrange(keptBefore..., with: found + after)
    }

    /// The index of the first element of the sorted `starts` that is at least `value` (`starts.count` if none).
    private static func firstIndex(in starts: [Int], atLeast value: Int) -> Int {
        var low = 0, high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func lineStarts(of bytes: [UInt8]) -> [Int] {
        var starts = [0]
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            if byte == UInt8(ascii: "\n") {
                starts.append(i)
            } else if byte == UInt8(ascii: "\r") {
                if i < bytes.count, bytes[i] == UInt8(ascii: "\n") { i += 1 }
                starts.append(i)
            }
        }
        return starts
    }

    /// Decodes the scalar starting at `offset` of valid UTF-8 and returns it with its byte length.
    private static func decodeScalar(_ bytes: [UInt8], at offset: Int) -> (Unicode.Scalar, Int) {
        let lead = bytes[offset]
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        var value = length == 1 ? UInt32(lead) : UInt32(lead) & (0xFF >> (length + 1))
        for i in 1..<length where offset + i < bytes.count {
            value = value << 6 | UInt32(bytes[offset + i] & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }
}
