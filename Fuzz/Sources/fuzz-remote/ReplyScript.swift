import FuzzSupport

/// What the engine answers, request by request, read from a fuzz input.
///
/// The replies are separated by `#REPLY#`; the first byte of each picks how its bytes go on the wire, so the fuzzer
/// reaches the event-stream and JSON parsers without first having to invent HTTP, and still reaches the cases HTTP
/// alone can produce (a raw reply, a cut body, a stall, a closed connection). Request k gets reply k modulo their
/// count; an input without replies closes every connection at once.
struct ReplyScript {
    enum Reply {
        /// These bytes as they are: status line, headers and body.
        case raw([UInt8])
        /// 200 as `text/event-stream`, the body, then the connection closes.
        case eventStream([UInt8])
        /// `status` with a JSON body of the right Content-Length.
        case json(status: Int, [UInt8])
        /// 200 whose Content-Length promises more than the body, then the connection closes.
        case cut([UInt8])
        /// 200 as `text/event-stream`, the body, then nothing until the client gives up.
        case stall([UInt8])
        /// The connection closes before a byte is written.
        case close
    }

    static let separator = Array("#REPLY#".utf8)
    static let statuses = [200, 200, 201, 204, 301, 400, 401, 404, 408, 413, 422, 429, 500, 502, 503, 999]

    let replies: [Reply]

    init(_ bytes: [UInt8]) {
        replies = Self.split(bytes).map { piece in
            var input = FuzzInput(piece)
            let mode = input.choose(6)
            switch mode {
            case 0: return .raw(input.rest())
            case 1: return .eventStream(input.rest())
            case 2: return .json(status: input.pick(Self.statuses), input.rest())
            case 3: return .cut(input.rest())
            case 4: return .stall(input.rest())
            default: return .close
            }
        }
    }

    /// The reply to the request numbered `index` (from 0).
    func reply(_ index: Int) -> Reply { replies.isEmpty ? .close : replies[index % replies.count] }

    /// The bytes split at every separator; no bytes, no pieces.
    private static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        guard !bytes.isEmpty else { return [] }
        var pieces: [[UInt8]] = []
        var start = 0, index = 0
        while index + separator.count <= bytes.count {
            if bytes[index..<index + separator.count].elementsEqual(separator) {
                pieces.append(Array(bytes[start..<index]))
                index += separator.count
                start = index
            } else {
                index += 1
            }
        }
        pieces.append(Array(bytes[start...]))
        return pieces
    }
}
