import JSON
import XCTest
@testable import JSONRPC

#if canImport(Glibc)
import Glibc
#endif

/// Reads frames from a descriptor, blocking, the way a client reads the server's stdout.
final class FrameReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    /// The next frame's body decoded as JSON, or nil at end of input. Fails the test on a framing error.
    func next() -> JSONValue? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            switch Framing.nextFrame(in: buffer[...]) {
            case .frame(let body, let consumed):
                let value = try? JSONValue.parse(body)
                XCTAssertNotNil(value, "frame body is not JSON: \(String(decoding: body.prefix(200), as: UTF8.self))")
                buffer.removeFirst(consumed)
                return value ?? .null
            case .invalidHeader(let error, _):
                XCTFail("the output stream is corrupt: \(error)")
                return nil
            case .incomplete:
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 { return nil }
                buffer += chunk[0..<count]
            }
        }
    }
}
