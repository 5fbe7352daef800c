/// GPT-2's reversible map between bytes and printable Unicode characters.
///
/// Vocabulary files write each token's bytes as a string in which every byte is one character: printable Latin-1
/// bytes stand for themselves and the others (controls, space, ...) are shifted to U+0100 and up, so `Ġ` is a space.
enum ByteLevel {
    /// Character of each byte.
    static let characterOfByte: [Unicode.Scalar] = {
        let printable = Set(Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF))
        var scalars: [Unicode.Scalar] = []
        var shifted: UInt32 = 256
        for byte in 0..<256 {
            if printable.contains(byte) {
                scalars.append(Unicode.Scalar(UInt8(byte)))
            } else {
                scalars.append(Unicode.Scalar(shifted)!)
                shifted += 1
            }
        }
        return scalars
    }()

    /// Byte of each character value below 324 (the highest GPT-2 uses); -1 where no byte maps there.
    static let byteOfCharacter: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (byte, scalar) in characterOfByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The bytes a vocabulary string stands for, or nil if it holds a character outside the map.
    static func bytes(of token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            let value = Int(scalar.value)
            guard value < byteOfCharacter.count, byteOfCharacter[value] >= 0 else { return nil }
            bytes.append(UInt8(byteOfCharacter[value]))
        }
        return bytes
    }

    /// The vocabulary string of some bytes (the inverse of `bytes(of:)`).
    static func string(of bytes: some Sequence<UInt8>) -> String {
        var string = String.UnicodeScalarView()
        for byte in bytes { string.append(characterOfByte[Int(byte)]) }
        return String(string)
    }
}
