import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Unix-domain stream sockets: the transport of a shared gptls process. Never a network socket.
///
/// Thin, typed wrappers over socket/bind/listen/accept/connect and the peer's credentials, with errors that name
/// the path and say what went wrong.
public enum UnixSocket {
    /// Why a socket operation failed.
    public enum SocketError: Error, Equatable, CustomStringConvertible {
        case pathTooLong(String)
        case system(operation: String, path: String, message: String, code: Int32)
        case unsafeDirectory(String, reason: String)
        case alreadyServed(String)

        public var description: String {
            switch self {
            case .pathTooLong(let path):
                return "the socket path \(path) is longer than a Unix socket address allows (107 bytes); choose a shorter one"
            case .system(let operation, let path, let message, _): return "\(operation) \(path): \(message)"
            case .unsafeDirectory(let path, let reason): return "the socket directory \(path) is unsafe: \(reason)"
            case .alreadyServed(let path): return "another gptls already serves \(path)"
            }
        }

        /// Connecting found a socket file with nothing listening (a server that died without removing it).
        public var isStale: Bool {
            if case .system(_, _, _, let code) = self { return code == ECONNREFUSED }
            return false
        }

        /// Connecting found no socket file.
        public var isMissing: Bool {
            if case .system(_, _, _, let code) = self { return code == ENOENT }
            return false
        }
    }

    static func failure(_ operation: String, _ path: String) -> SocketError {
        let code = errno
        return .system(operation: operation, path: path, message: String(cString: strerror(code)), code: code)
    }

    private static func address(_ path: String) throws(SocketError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw .pathTooLong(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    private static func socketDescriptor(_ path: String) throws(SocketError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket for", path) }
        return fd
    }

    /// Connects to the socket at `path`; the caller owns (and closes) the descriptor.
    public static func connect(_ path: String) throws(SocketError) -> Int32 {
        var address = try address(path)
        let fd = try socketDescriptor(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let error = failure("connecting to", path)
            close(fd)
            throw error
        }
        return fd
    }

    /// Binds and listens at `path`, which must not exist; the socket file is made 0600 (owner only).
    public static func listen(_ path: String, backlog: Int32 = 64) throws(SocketError) -> Int32 {
        var address = try address(path)
        let fd = try socketDescriptor(path)
        // The umask makes the file owner-only from the start; chmod makes sure whatever the umask was.
        let previous = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        umask(previous)
        guard bound == 0 else {
            let error = failure("binding", path)
            close(fd)
            throw error
        }
        guard chmod(path, 0o600) == 0, Glibc.listen(fd, backlog) == 0 else {
            let error = failure("listening on", path)
            close(fd)
            unlink(path)
            throw error
        }
        return fd
    }

    /// The user id of the process at the other end of a connected socket (`SO_PEERCRED`); nil if the system
    /// does not say.
    public static func peerUID(_ fd: Int32) -> uid_t? {
        // struct ucred {pid_t pid; uid_t uid; gid_t gid;}, which Glibc hides behind _GNU_SOURCE.
        var credentials: (pid: pid_t, uid: uid_t, gid: gid_t) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(pid_t, uid_t, gid_t)>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
              length == socklen_t(MemoryLayout<(pid_t, uid_t, gid_t)>.size) else { return nil }
        return credentials.uid
    }
}
