import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Copies stdin to a socket and the socket to stdout until the server closes its end.
///
/// The end of stdin (the editor closed it or died) half-closes the socket, so the server ends that session and
/// then closes; the end of the socket ends the process (exit 0).
struct SocketRelay {
    let socket: Int32

    func run() -> Never {
        signal(SIGPIPE, SIG_IGN)
        let fd = socket
        let upstream = Thread {
            SocketRelay.copy(from: STDIN_FILENO, to: fd)
            shutdown(fd, Int32(SHUT_WR))
        }
        upstream.name = "gptls.connect.upstream"
        upstream.start()
        _ = SocketRelay.copy(from: fd, to: STDOUT_FILENO)
        exit(0)
    }

    /// Copies until the end of `input` (true) or a failed write (false).
    @discardableResult
    static func copy(from input: Int32, to output: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return true }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, count - offset) }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return false }
                offset += written
            }
        }
    }
}
