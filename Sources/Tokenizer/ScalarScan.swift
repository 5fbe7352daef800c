/// Reading character classes out of UTF-8 bytes: what every pre-tokenizer scanner steps through its input with.
extension UnsafeBufferPointer where Element == UInt8 {
    /// Class and byte length of the character at `index`; an invalid byte is one `other` character.
    @inline(__always)
    func scalarClass(at index: Int, classes: UnsafePointer<ScalarClass>) -> (ScalarClass, Int) {
        let lead = self[index]
        if lead < 0x80 { return (classes[Int(lead)], 1) }
        guard let (value, length) = UTF8Scalar.decode(self, at: index) else { return (.other, 1) }
        if value < 0x1_0000 { return (classes[Int(value)], length) }
        return (ScalarClass.of(value), length)
    }

    /// End of the run of `kind` characters that continues at `index`.
    @inline(__always)
    func runEnd(of kind: ScalarClass, from index: Int, classes: UnsafePointer<ScalarClass>) -> Int {
        var index = index
        while index < count {
            let (next, length) = scalarClass(at: index, classes: classes)
            if next != kind { break }
            index += length
        }
        return index
    }
}
