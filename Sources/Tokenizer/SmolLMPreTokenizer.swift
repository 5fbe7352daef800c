/// Splits UTF-8 bytes into SmolLM2 pre-tokens: every digit is a piece of its own, and the text between digits is
/// split by GPT-2's pattern as if it were the whole input (so `"x  1"` gives `"x"`, `"  "`, `"1"`).
///
/// This is `tokenizer.json`'s `Digits(individual_digits: true)` followed by `ByteLevel`'s GPT-2 regex, and llama.cpp's
/// `smollm` type. A digit is what the `Digits` step counts as numeric: `\p{N}`, plus the 13 scalars that became
/// numbers in Unicode 17 (Hugging Face tokenizers takes them from Rust's `char::is_numeric`, a newer Unicode than
/// its regex engine's). Linear time; no allocation.
struct SmolLMPreTokenizer: IteratorProtocol {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let classes = ScalarClass.basicPlane
    private var position = 0
    /// GPT-2's scanner over the current stretch between digits, and where that stretch starts.
    private var stretch: PreTokenizer?
    private var stretchStart = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The next piece as a byte range, or nil at the end.
    mutating func next() -> Range<Int>? {
        if stretch != nil {
            if let range = stretch!.next() { return range.lowerBound + stretchStart..<range.upperBound + stretchStart }
            stretch = nil
        }
        let start = position
        guard start < bytes.count else { return nil }
        if let length = digitLength(at: start) {
            position = start + length
            return start..<position
        }
        var end = start
        while end < bytes.count, digitLength(at: end) == nil { end += scalarLength(at: end) }
        stretch = PreTokenizer(UnsafeBufferPointer(rebasing: bytes[start..<end]))
        stretchStart = start
        position = end
        return next()
    }

    /// The byte length of the digit at `index`, or nil if the character there is not one.
    @inline(__always)
    private func digitLength(at index: Int) -> Int? {
        let lead = bytes[index]
        if lead < 0x80 { return classes[Int(lead)] == .number ? 1 : nil }
        guard let (value, length) = UTF8Scalar.decode(bytes, at: index) else { return nil }
        if value < 0x1_0000 { return classes[Int(value)] == .number ? length : nil }
        if ScalarClass.of(value) == .number || (0x11DE0...0x11DE9).contains(value) || (0x16FF4...0x16FF6).contains(value) {
            return length
        }
        return nil
    }

    /// The byte length of the character at `index`; an invalid byte is one character.
    @inline(__always)
    private func scalarLength(at index: Int) -> Int {
        if bytes[index] < 0x80 { return 1 }
        return UTF8Scalar.decode(bytes, at: index)?.1 ?? 1
    }
}
