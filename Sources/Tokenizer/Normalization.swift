/// What a vocabulary does to text before splitting it: nothing, or Unicode NFC (Qwen2's `tokenizer.json`).
public enum Normalization: String, Sendable {
    case none
    case nfc

    /// The normalized bytes, or nil when they are the bytes given (always for `.none`, and for text that is already
    /// NFC by the quick rule below).
    ///
    /// Text whose every scalar is below U+0300 is NFC: no scalar there composes with a neighbour or reorders. In
    /// UTF-8 that is "no byte from 0xCC up", so ASCII and most Latin text cost one scan. Other text goes through the
    /// standard library's normalizer (Foundation's takes about seventy times longer on Linux). Bytes that are not
    /// valid UTF-8 stay as they are, and each valid stretch between them is normalized on its own.
    func apply(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard self == .nfc, bytes.contains(where: { $0 >= 0xCC }) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
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
        return output
    }
}
