import FuzzSupport
import JSONRPC

// LSP framing over a byte stream. The input is what a client wrote; it is read the way the connection reads it,
// in chunks (sizes from the first byte), and every answer of `Framing.nextFrame` must keep its promises: a frame
// lies inside the buffer, `consumed` is positive and within the buffer, and a frame `encode` wrote reads back whole.
Fuzzer.run { data in
    var input = FuzzInput(data)
    let chunk = 1 + input.choose(64)
    let stream = input.rest()
    var buffer: [UInt8] = []
    var position = 0
    while position < stream.count {
        let end = min(stream.count, position + chunk)
        buffer += stream[position..<end]
        position = end
        while true {
            switch Framing.nextFrame(in: buffer[...], maximumContentLength: 1 << 16) {
            case .incomplete:
                break
            case .frame(let body, let consumed):
                guard consumed > 0, consumed <= buffer.count, body.startIndex >= 0, body.endIndex <= consumed else {
                    Fuzzer.fail("frame \(body.startIndex)..<\(body.endIndex), consumed \(consumed) of \(buffer.count)")
                }
                let again = Framing.encode(Array(body))
                guard case .frame(let reread, let all) = Framing.nextFrame(in: again[...]), Array(reread) == Array(body),
                      all == again.count else { Fuzzer.fail("an encoded frame of \(body.count) bytes did not read back") }
                buffer.removeFirst(consumed)
                continue
            case .invalidHeader(_, let consumed):
                guard consumed > 0, consumed <= buffer.count else {
                    Fuzzer.fail("invalid header consumed \(consumed) of \(buffer.count)")
                }
                buffer.removeFirst(consumed)
                continue
            }
            break
        }
    }
}
