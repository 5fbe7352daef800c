/// LSP base-protocol framing: `Content-Length: N\r\n` (other headers optional) `\r\n` then N bytes of body.
///
/// A pure function over bytes: the reader appends what it reads to a buffer, calls `nextFrame` until it answers
/// `.incomplete`, and drops the `consumed` bytes of each answer. Nothing is allocated for a body before its header
/// has been accepted, so a hostile `Content-Length` costs nothing.
///
/// Resynchronisation after a bad header: the whole header block (through its `\r\n\r\n`) is skipped. The body
/// that followed it, if any, is then garbage in front of the next `Content-Length:`; a header line that does not
/// start with a header name but contains `Content-Length:` has the garbage before that name skipped, so the next
/// good frame is found.
public enum Framing {
    /// The largest body accepted by default: 64 MiB. A larger `Content-Length` is refused from the header alone.
    public static let defaultMaximumContentLength = 64 << 20

    /// The longest header block accepted: bytes without a `\r\n\r\n` beyond this are discarded as garbage.
    public static let maximumHeaderLength = 16 << 10

    /// What the front of a buffer holds.
    public enum FrameResult: Equatable, Sendable {
        /// Not a whole frame yet (or nothing at all): read more and call again with the same bytes in front.
        case incomplete
        /// A frame: `body` is a slice of the buffer (indices are the buffer's); drop `consumed` bytes.
        case frame(body: ArraySlice<UInt8>, consumed: Int)
        /// A frame that cannot be used: log `error`, drop `consumed` bytes, and call again.
        case invalidHeader(FramingError, consumed: Int)
    }

    /// The first frame at the front of `buffer`, without copying it.
    ///
    /// Complexity: O(header length) per call, plus O(garbage) when skipping garbage.
    public static func nextFrame(in buffer: ArraySlice<UInt8>,
                                 maximumContentLength: Int = defaultMaximumContentLength) -> FrameResult {
        guard !buffer.isEmpty else { return .incomplete }
        guard let headerEnd = firstIndex(of: headerTerminator, in: buffer) else {
            guard buffer.count > maximumHeaderLength else { return .incomplete }
            return .invalidHeader(.headerTooLong(limit: maximumHeaderLength),
                                  consumed: garbageLength(in: buffer, atMost: buffer.count - contentLengthName.count))
        }
        let headerBlock = buffer[buffer.startIndex..<headerEnd]
        let blockLength = headerEnd + headerTerminator.count - buffer.startIndex
        let header: Header
        switch parseHeader(headerBlock) {
        case .success(let parsed):
            header = parsed
        case .failure(.garbage(let length)):
            return .invalidHeader(.garbageBeforeHeader(byteCount: length), consumed: length)
        case .failure(.invalid(let error)):
            return .invalidHeader(error, consumed: blockLength)
        }
        guard header.contentLength <= maximumContentLength else {
            return .invalidHeader(.contentLengthTooLarge(header.contentLength, limit: maximumContentLength),
                                  consumed: blockLength)
        }
        let bodyStart = headerEnd + headerTerminator.count
        guard buffer.endIndex - bodyStart >= header.contentLength else { return .incomplete }
        return .frame(body: buffer[bodyStart..<bodyStart + header.contentLength],
                      consumed: blockLength + header.contentLength)
    }

    /// `body` with its header: `Content-Length: N\r\n\r\n` followed by the body.
    public static func encode(_ body: [UInt8]) -> [UInt8] {
        Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    static let headerTerminator: [UInt8] = Array("\r\n\r\n".utf8)
    static let contentLengthName: [UInt8] = Array("content-length:".utf8)

    /// The index where `needle` first occurs in `haystack`, or nil.
    static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>,
                           caseInsensitive: Bool = false) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            var matched = true
            for offset in 0..<needle.count {
                var byte = haystack[index + offset]
                if caseInsensitive, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte += 32 }
                if byte != needle[offset] { matched = false; break }
            }
            if matched { return index }
            index += 1
        }
        return nil
    }

    /// How many leading bytes of `bytes` are garbage: up to a later `Content-Length:`, else `atMost` (at least 1).
    static func garbageLength(in bytes: ArraySlice<UInt8>, atMost limit: Int) -> Int {
        let rest = bytes.dropFirst()
        if let next = firstIndex(of: contentLengthName, in: rest, caseInsensitive: true) {
            return next - bytes.startIndex
        }
        return max(1, limit)
    }
}
