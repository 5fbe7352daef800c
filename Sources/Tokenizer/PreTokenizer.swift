/// Splits UTF-8 bytes into GPT-2 pre-tokens, the pieces BPE then encodes one by one.
///
/// A hand-written scanner for tiktoken's `gpt2` pattern
/// `'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`. The alternatives are tried in order at
/// each piece start, as the regex does. `\s+(?!\S)` backtracks: a whitespace run followed by a non-space gives up its
/// last character, which then starts the next piece (a single U+0020 joins the word after it, any other is alone).
///
/// Bytes that are not valid UTF-8 count as one `other` character each, so arbitrary files split in a defined way
/// and every byte lands in exactly one piece. Linear time; no allocation.
struct PreTokenizer: IteratorProtocol {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let classes = ScalarClass.basicPlane
    private var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The next piece as a byte range, or nil at the end.
    mutating func next() -> Range<Int>? {
        let start = position
        guard start < bytes.count else { return nil }
        let byte = bytes[start]
        if byte == UInt8(ascii: "'"), let length = contractionLength(at: start) {
            position = start + length
            return start..<position
        }
        var (kind, length) = scalar(at: start)
        var runStart = start
        if byte == UInt8(ascii: " "), start + 1 < bytes.count {
            let (nextKind, nextLength) = scalar(at: start + 1)
            if nextKind != .space {
                (kind, length) = (nextKind, nextLength)
                runStart = start + 1
            }
        }
        if kind == .space {
            position = spacePieceEnd(from: start)
        } else {
            position = runEnd(of: kind, from: runStart + length)
        }
        return start..<position
    }

    /// `'s`, `'t`, `'m`, `'d`, `'ll`, `'ve`, `'re` (lower case only, as in GPT-2).
    private func contractionLength(at start: Int) -> Int? {
        guard start + 1 < bytes.count else { return nil }
        switch bytes[start + 1] {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return 2
        case UInt8(ascii: "l"), UInt8(ascii: "v"), UInt8(ascii: "r"):
            guard start + 2 < bytes.count else { return nil }
            let second = bytes[start + 2], first = bytes[start + 1]
            if first == UInt8(ascii: "l"), second == UInt8(ascii: "l") { return 3 }
            if first == UInt8(ascii: "v"), second == UInt8(ascii: "e") { return 3 }
            if first == UInt8(ascii: "r"), second == UInt8(ascii: "e") { return 3 }
            return nil
        default:
            return nil
        }
    }

    /// `\s+(?!\S)|\s+`: the whole run at the end of input or when it is one character long, else all but its last.
    private func spacePieceEnd(from start: Int) -> Int {
        var index = start
        var lastStart = start
        while index < bytes.count {
            let (kind, length) = scalar(at: index)
            if kind != .space { break }
            lastStart = index
            index += length
        }
        if index == bytes.count || lastStart == start { return index }
        return lastStart
    }

    @inline(__always)
    private func scalar(at index: Int) -> (ScalarClass, Int) { bytes.scalarClass(at: index, classes: classes) }

    @inline(__always)
    private func runEnd(of kind: ScalarClass, from index: Int) -> Int {
        bytes.runEnd(of: kind, from: index, classes: classes)
    }
}
