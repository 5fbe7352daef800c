/// Why a frame header was refused. The frame is skipped and the stream resynchronises (see `Framing`).
public enum FramingError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingContentLength
    case zeroContentLength
    case contentLengthNotANumber(String)
    case contentLengthTooLarge(Int, limit: Int)
    case conflictingContentLengths(Int, Int)
    case unsupportedCharset(String)
    case malformedHeaderLine(String)
    case headerTooLong(limit: Int)
    case garbageBeforeHeader(byteCount: Int)

    /// True for the errors that skip bytes which are not a header (rather than a header that was refused).
    public var isSkippedGarbage: Bool {
        switch self {
        case .headerTooLong, .garbageBeforeHeader: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .missingContentLength:
            return "frame header has no Content-Length; skipped the header"
        case .zeroContentLength:
            return "frame header has Content-Length 0, expected a positive length; skipped the header"
        case .contentLengthNotANumber(let value):
            return "frame header has Content-Length \(value.debugDescription), expected decimal digits; skipped the header"
        case .contentLengthTooLarge(let length, let limit):
            let shown = length == Int.max ? "of 19 digits or more" : "\(length)"
            return "frame header has Content-Length \(shown), above the limit of \(limit) bytes; skipped the header"
        case .conflictingContentLengths(let first, let second):
            return "frame header has two Content-Length values, \(first) and \(second); skipped the header"
        case .unsupportedCharset(let charset):
            return "frame header has Content-Type charset \(charset.debugDescription), expected utf-8; skipped the frame header"
        case .malformedHeaderLine(let line):
            return "frame header line \(line.debugDescription) is not \"Name: value\"; skipped the header"
        case .headerTooLong(let limit):
            return "no end of frame header (\\r\\n\\r\\n) within \(limit) bytes; skipped them"
        case .garbageBeforeHeader(let count):
            return "skipped \(count) bytes that are not a frame header before the next Content-Length"
        }
    }
}
