import JSONRPC

#if canImport(Glibc)
import Glibc
#endif

/// Reads LSP frames from a file descriptor until its end (or a read error), for `SocketRelay`.
///
/// Bad headers are skipped as the server's own reader skips them; a frame above the size limit is reported, so the
/// relay can answer it as the server would have.
struct FrameReader {
    enum Frame {
        case body(ArraySlice<UInt8>)
        case tooLarge(Int)
    }

    let fd: Int32

    /// Calls `body` with each frame in order; returns at the end of the input.
    func forEach(_ body: (Frame) -> Void) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
            buffer.append(contentsOf: chunk[0..<count])
            var consumed = 0
            framing: while true {
                switch Framing.nextFrame(in: buffer[consumed...]) {
                case .incomplete:
                    break framing
                case .invalidHeader(let error, let length):
                    consumed += length
                    if case .contentLengthTooLarge(let size, _) = error { body(.tooLarge(size)) }
                case .frame(let frame, let length):
                    consumed += length
                    body(.body(frame))
                }
            }
            buffer.removeFirst(consumed)
            if buffer.isEmpty, buffer.capacity > 1 << 20 { buffer = [] }
        }
    }
}
