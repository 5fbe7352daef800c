/// What a vocabulary does to text before splitting it: nothing, or Unicode NFC (Qwen2's `tokenizer.json`).
public enum Normalization: String, Sendable {
    case none
    case nfc

    /// The normalized bytes, or nil when they are the bytes given (always for `.none`).
    ///
    /// Only the stretches around scalars from U+0300 up are normalized. Below U+0300 no scalar composes with the one
    /// before it, reorders or decomposes into anything that does, so NFC of a text is NFC of its pieces cut before
    /// any such scalar; in UTF-8 the others are the bytes from 0xCC up. ASCII and most Latin text cost one scan, and
    /// a source file with a few accents normalizes a few short stretches. The standard library's normalizer does the
    /// work (Foundation's takes about seventy times longer on Linux). Bytes that are not valid UTF-8 stay as they
    /// are, and each valid run between them is normalized on its own.
    func apply(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard self == .nfc, var next = bytes.firstIndex(where: { $0 >= 0xCC }) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var copied = 0
        while true {
            // The stretch starts at the scalar before the first high one (it may compose with it) and ends before
            // the next scalar below U+0300.
            var start = next
            if start > copied, bytes[start - 1] < 0x80 {
                start -= 1
            } else if start - 1 > copied, (0xC2...0xCB).contains(bytes[start - 2]), bytes[start - 1] & 0xC0 == 0x80 {
                start -= 2
            }
            var end = next
            while end < bytes.count, bytes[end] >= 0xCC || bytes[end] & 0xC0 == 0x80 { end += 1 }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<start]))
            Self.appendNFC(UnsafeBufferPointer(rebasing: bytes[start..<end]), to: &output)
            copied = end
            guard let found = bytes[end...].firstIndex(where: { $0 >= 0xCC }) else { break }
            next = found
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        return output
    }

    /// Appends the NFC of each valid UTF-8 run of `bytes`, and invalid bytes as they are.
    private static func appendNFC(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var start = 0
        var index = 0
        func flush(upTo end: Int) {
            guard start < end else { return }
            output += String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)._nfcCodeUnits
        }
        while index < bytes.count {
            if bytes[index] < 0x80 {
                index += 1
            } else if let (_, length) = UTF8Scalar.decode(bytes, at: index) {
                index += length
            } else {
                flush(upTo: index)
                output.append(bytes[index])
                index += 1
                start = index
            }
        }
        flush(upTo: index)
    }
}
