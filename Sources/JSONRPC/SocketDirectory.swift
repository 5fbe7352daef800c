import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where a user's shared gptls listens, and the lock that serialises starting it.
///
/// The socket lives in a directory only its owner can enter (0700): `$XDG_RUNTIME_DIR/gptls/` when the session has
/// a runtime directory, else `gptls-<uid>/` in the temporary folder. A directory that exists with another owner or
/// wider permissions is refused rather than used.
public enum SocketDirectory {
    /// The default socket path of this user.
    public static func defaultSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty, runtime.hasPrefix("/") {
            return runtime + "/gptls/gptls.sock"
        }
        let temporary = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return "\(temporary)/gptls-\(getuid())/gptls.sock"
    }

    /// Creates the directory of `socketPath` (0700) if needed and checks that only this user can enter it.
    public static func prepare(socketPath: String) throws(UnixSocket.SocketError) {
        let directory = (socketPath as NSString).deletingLastPathComponent
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            // A missing parent (a custom path): create the ancestors with the default mode, the socket's own 0700.
            guard errno == ENOENT,
                  (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o700])) != nil
            else { throw UnixSocket.failure("creating the socket directory", directory) }
        }
        var info = stat()
        guard lstat(directory, &info) == 0 else { throw UnixSocket.failure("checking the socket directory", directory) }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .unsafeDirectory(directory, reason: "it is not a directory") }
        guard info.st_uid == getuid() else {
            throw .unsafeDirectory(directory, reason: "it belongs to user \(info.st_uid), not to you (\(getuid()))")
        }
        if info.st_mode & 0o077 != 0 {
            guard chmod(directory, 0o700) == 0 else { throw UnixSocket.failure("making private", directory) }
        }
    }

    /// Runs `body` holding an exclusive `flock` on `<socketPath>.lock`: whoever holds it may start a server or
    /// replace a stale socket file. Blocks until the lock is free.
    public static func withStartLock<T>(socketPath: String, _ body: () throws -> T) throws -> T {
        let lockPath = socketPath + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw UnixSocket.failure("opening the lock file", lockPath) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw UnixSocket.failure("locking", lockPath) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
