#if canImport(Glibc)
import Glibc
#endif

/// A POSIX pipe; closes whatever end is still open when released.
public final class TestPipe {
    public private(set) var readEnd: Int32
    public private(set) var writeEnd: Int32

    public init() {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed")
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(writeEnd, $0.baseAddress! + offset, $0.count - offset) }
            precondition(written > 0, "pipe write failed")
            offset += written
        }
    }

    public func write(_ text: String) { write(Array(text.utf8)) }

    public func closeWriteEnd() {
        if writeEnd >= 0 { close(writeEnd) }
        writeEnd = -1
    }

    public func closeReadEnd() {
        if readEnd >= 0 { close(readEnd) }
        readEnd = -1
    }

    deinit {
        closeWriteEnd()
        closeReadEnd()
    }
}
