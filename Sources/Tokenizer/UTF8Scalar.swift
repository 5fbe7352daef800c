/// Strict UTF-8 decoding of one scalar, and the maximal-subpart rule used to replace invalid bytes with U+FFFD.
enum UTF8Scalar {
    /// The scalar value and byte length of the well-formed sequence at `index`, or nil if the bytes there are not one.
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int)? {
        let lead = bytes[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let length = sequenceLength(lead)
        guard length > 1, index + length <= bytes.count else { return nil }
        var value = UInt32(lead) & (0x7F >> UInt32(length))
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard continuationRange(lead: lead, offset: offset).contains(byte) else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (value, length)
    }

    /// Length of the sequence a lead byte starts: 1 for ASCII, 2...4, or 0 for a byte that cannot start one.
    @inline(__always)
    static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 0
        }
    }

    /// The bytes allowed after `lead` at `offset` (1...3): the second byte is narrowed to rule out overlong forms,
    /// surrogates and values above U+10FFFF (Unicode Table 3-7).
    @inline(__always)
    static func continuationRange(lead: UInt8, offset: Int) -> ClosedRange<UInt8> {
        guard offset == 1 else { return 0x80...0xBF }
        switch lead {
        case 0xE0: return 0xA0...0xBF
        case 0xED: return 0x80...0x9F
        case 0xF0: return 0x90...0xBF
        case 0xF4: return 0x80...0x8F
        default: return 0x80...0xBF
        }
    }

    /// Where a trailing, still incomplete but so far valid sequence starts in `bytes`, or `bytes.count` if there is
    /// none: everything before that point can be decoded now and will not change when more bytes arrive.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        for back in 1...min(3, max(count, 1)) where back <= count {
            let start = count - back
            let lead = bytes[start]
            if lead & 0xC0 == 0x80 { continue }  // a continuation byte: look further back for the lead
            let length = sequenceLength(lead)
            guard length > back else { return count }  // complete, or not a lead byte at all
            for offset in 1..<back where !continuationRange(lead: lead, offset: offset).contains(bytes[start + offset]) {
                return count  // already invalid: decoding replaces it now
            }
            return start
        }
        return count
    }
}
