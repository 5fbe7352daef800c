extension Framing {
    /// What a header block says.
    struct Header: Equatable {
        var contentLength: Int
    }

    enum HeaderFailure: Error {
        /// The block starts with this many bytes of garbage before a `Content-Length:` header.
        case garbage(length: Int)
        /// The block is a header block, but not a usable one.
        case invalid(FramingError)
    }

    /// Reads a header block (without its final `\r\n\r\n`): `Name: value` lines separated by `\r\n`, names
    /// case-insensitive, in any order, unknown names ignored.
    static func parseHeader(_ block: ArraySlice<UInt8>) -> Result<Header, HeaderFailure> {
        var contentLength: Int?
        var lineStart = block.startIndex
        while lineStart <= block.endIndex {
            let lineEnd = firstIndex(of: lineTerminator, in: block[lineStart...]) ?? block.endIndex
            let line = block[lineStart..<lineEnd]
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy(isTokenByte) else {
                if lineStart == block.startIndex,
                   let name = firstIndex(of: contentLengthName, in: block, caseInsensitive: true),
                   name > line.startIndex {
                    return .failure(.garbage(length: name - block.startIndex))
                }
                return .failure(.invalid(.malformedHeaderLine(String(decoding: line.prefix(80), as: UTF8.self))))
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            let value = trimmed(line[(colon + 1)...])
            switch name {
            case "content-length":
                guard let length = parseLength(value) else {
                    return .failure(.invalid(.contentLengthNotANumber(String(decoding: value.prefix(80), as: UTF8.self))))
                }
                if let contentLength, contentLength != length {
                    return .failure(.invalid(.conflictingContentLengths(contentLength, length)))
                }
                contentLength = length
            case "content-type":
                if let charset = charset(of: value), !["utf-8", "utf8"].contains(charset) {
                    return .failure(.invalid(.unsupportedCharset(charset)))
                }
            default:
                break  // Unknown headers are allowed and ignored.
            }
            lineStart = lineEnd + lineTerminator.count
        }
        guard let contentLength else {
            // A "Content-Length:" inside a line (not at its start) follows garbage, such as the body of a frame
            // whose header was refused: skip to it.
            if let name = firstIndex(of: contentLengthName, in: block, caseInsensitive: true), name > block.startIndex {
                return .failure(.garbage(length: name - block.startIndex))
            }
            return .failure(.invalid(.missingContentLength))
        }
        guard contentLength > 0 else { return .failure(.invalid(.zeroContentLength)) }
        return .success(Header(contentLength: contentLength))
    }

    static let lineTerminator: [UInt8] = Array("\r\n".utf8)

    /// RFC 9110 token characters, the only ones a header name may contain.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }) else { return bytes[bytes.endIndex...] }
        let last = bytes.lastIndex(where: { !isBlank($0) })!
        return bytes[first...last]
    }

    /// Decimal digits only (no sign, no spaces inside), without overflow; nil otherwise.
    static func parseLength(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else {
            // 19 digits or more: still a number if all digits, but beyond any cap; report it as huge.
            return digits.isEmpty || !digits.allSatisfy(isDigit) ? nil : Int.max
        }
        var value = 0
        for byte in digits {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// The lower-cased `charset` parameter of a media type such as `application/vscode-jsonrpc; charset=utf-8`.
    static func charset(of contentType: ArraySlice<UInt8>) -> String? {
        for parameter in contentType.split(separator: UInt8(ascii: ";")).dropFirst() {
            guard let equals = parameter.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: trimmed(parameter[..<equals]), as: UTF8.self).lowercased()
            guard name == "charset" else { continue }
            let value = trimmed(parameter[(equals + 1)...]).filter { $0 != UInt8(ascii: "\"") }
            return String(decoding: value, as: UTF8.self).lowercased()
        }
        return nil
    }
}
