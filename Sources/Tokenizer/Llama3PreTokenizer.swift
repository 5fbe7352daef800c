/// Splits UTF-8 bytes into Llama 3 or Qwen2 pre-tokens, the pieces BPE then encodes one by one.
///
/// A hand-written scanner for `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
/// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+` (Qwen2: `\p{N}` for `\p{N}{1,3}`). The alternatives are tried in
/// order at each piece start, as the regex does:
/// 1. a contraction, in any case; `s` also matches `ſ` (U+017F), which case-folds to it in the regex engines;
/// 2. a run of letters, with one leading character that is neither a letter, a number nor a line break (a space, a
///    tab, punctuation);
/// 3. up to `digitLimit` numbers;
/// 4. an optional space, a run of other characters (punctuation, symbols, emoji), then any line breaks;
/// 5. white space up to and including its last line break (`\s*[\r\n]+` backtracks to that point);
/// 6. a white-space run without line breaks: all of it at the end of input or when it is one character long, else
///    all but its last character, which then starts the next piece.
///
/// Bytes that are not valid UTF-8 count as one `other` character each, as in `PreTokenizer`. Linear time; no
/// allocation.
struct Llama3PreTokenizer: IteratorProtocol {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let classes = ScalarClass.basicPlane
    /// The longest run of numbers in one piece: 3 for Llama 3, 1 for Qwen2.
    private let digitLimit: Int
    private var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, digitLimit: Int) {
        self.bytes = bytes
        self.digitLimit = digitLimit
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
        let (kind, length) = scalar(at: start)
        switch kind {
        case .letter:
            position = runEnd(of: .letter, from: start + length)
        case .number:
            position = start + length
            var count = 1
            while count < digitLimit, position < bytes.count {
                let (next, nextLength) = scalar(at: position)
                guard next == .number else { break }
                position += nextLength
                count += 1
            }
        case .other:
            if let end = wordEnd(after: start + length) {
                position = end
            } else {
                position = lineBreaksEnd(from: runEnd(of: .other, from: start + length))
            }
        case .space:
            position = spacePieceEnd(from: start, first: byte, length: length)
        }
        return start..<position
    }

    /// `'s`, `'t`, `'m`, `'d`, `'re`, `'ve`, `'ll` in any case (and `'ſ`).
    private func contractionLength(at start: Int) -> Int? {
        guard start + 1 < bytes.count else { return nil }
        // `| 0x20` lower-cases ASCII letters; no other byte becomes one of these letters.
        let first = bytes[start + 1] | 0x20
        switch first {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"), UInt8(ascii: "l"):
            guard start + 2 < bytes.count else { return nil }
            let wanted = first == UInt8(ascii: "l") ? UInt8(ascii: "l") : UInt8(ascii: "e")
            return bytes[start + 2] | 0x20 == wanted ? 3 : nil
        default:
            // U+017F LATIN SMALL LETTER LONG S case-folds to "s".
            if bytes[start + 1] == 0xC5, start + 2 < bytes.count, bytes[start + 2] == 0xBF { return 3 }
            return nil
        }
    }

    /// Where the letters end if a letter run starts at `index` (alternative 2 with a leading character), else nil.
    @inline(__always)
    private func wordEnd(after index: Int) -> Int? {
        guard index < bytes.count else { return nil }
        let (kind, length) = scalar(at: index)
        guard kind == .letter else { return nil }
        return runEnd(of: .letter, from: index + length)
    }

    /// White space at `start`: a leading character for a word, a space before punctuation, the run up to its last
    /// line break, or the run without line breaks (`\s+(?!\S)|\s+`).
    private func spacePieceEnd(from start: Int, first: UInt8, length: Int) -> Int {
        let isLineBreak = first == 0x0A || first == 0x0D
        if !isLineBreak, let end = wordEnd(after: start + length) { return end }
        if first == UInt8(ascii: " "), start + 1 < bytes.count {
            let (next, nextLength) = scalar(at: start + 1)
            if next == .other { return lineBreaksEnd(from: runEnd(of: .other, from: start + 1 + nextLength)) }
        }
        var index = start
        var lastStart = start
        var afterLastLineBreak = -1
        while index < bytes.count {
            let (kind, length) = scalar(at: index)
            if kind != .space { break }
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D { afterLastLineBreak = index + 1 }
            lastStart = index
            index += length
        }
        if afterLastLineBreak >= 0 { return afterLastLineBreak }
        if index == bytes.count || lastStart == start { return index }
        return lastStart
    }

    /// End of the run of CR and LF bytes at `index`.
    @inline(__always)
    private func lineBreaksEnd(from index: Int) -> Int {
        var index = index
        while index < bytes.count, bytes[index] == 0x0A || bytes[index] == 0x0D { index += 1 }
        return index
    }

    @inline(__always)
    private func scalar(at index: Int) -> (ScalarClass, Int) { bytes.scalarClass(at: index, classes: classes) }

    @inline(__always)
    private func runEnd(of kind: ScalarClass, from index: Int) -> Int {
        bytes.runEnd(of: kind, from: index, classes: classes)
    }
}
