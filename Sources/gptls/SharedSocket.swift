import Foundation
import JSONRPC

#if canImport(Glibc)
import Glibc
#endif

/// Where each version's shared process listens, and how a new version tells an older one to leave.
///
/// The default socket's name carries the build's version (`gptls-0.1.0+1a2b3c4d5e6f.sock` in the socket
/// directory), so after an upgrade the new binary's editors start a process of their own while the old process keeps
/// its editors; two processes of one version never share a socket, and two versions never share a process. A
/// `gptls connect` that finds processes of other versions beside its own sends them SIGUSR1, after which they exit
/// as soon as their last connection leaves. A socket named with `--socket` is used as given.
enum SharedSocket {
    /// This build's default socket: `gptls-<version>.sock` in the user's socket directory.
    static func defaultPath(version: String = BuildVersion.current) -> String {
        let directory = (SocketDirectory.defaultSocketPath() as NSString).deletingLastPathComponent
        let safe = String(version.map { $0.isLetter || $0.isNumber || "._+-".contains($0) ? $0 : "_" })
        return directory + "/gptls-\(safe).sock"
    }

    /// Every shared-process socket in `path`'s directory (`gptls*.sock`), `path` first.
    static func siblings(of path: String) -> [String] {
        let directory = (path as NSString).deletingLastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let others = names.filter { $0.hasPrefix("gptls") && $0.hasSuffix(".sock") }.sorted()
            .map { directory + "/" + $0 }.filter { $0 != path }
        return [path] + others
    }

    /// Asks the processes of other versions beside `path` to exit once their connections have left.
    static func retireOthers(besides path: String) {
        // Only versioned sockets: their processes handle SIGUSR1, whose default action would kill an older one.
        for other in siblings(of: path).dropFirst() where (other as NSString).lastPathComponent.hasPrefix("gptls-") {
            guard let fd = try? UnixSocket.connect(other) else { continue }
            defer { close(fd) }
            guard let pid = peerPID(fd), isServer(pid, socket: other) else { continue }
            kill(pid, SIGUSR1)
        }
    }

    /// The process id at the other end of a connected socket (`SO_PEERCRED`).
    private static func peerPID(_ fd: Int32) -> pid_t? {
        // struct ucred {pid_t pid; uid_t uid; gid_t gid;}, which Glibc hides behind _GNU_SOURCE.
        var credentials: (pid: pid_t, uid: uid_t, gid: gid_t) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(pid_t, uid_t, gid_t)>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0, credentials.uid == getuid(),
              credentials.pid > 0 else { return nil }
        return credentials.pid
    }

    /// Whether `pid` is a `gptls serve --socket <socket>`: a signal goes to nothing else.
    private static func isServer(_ pid: pid_t, socket: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.contains("serve") && arguments.contains(socket)
    }
}
