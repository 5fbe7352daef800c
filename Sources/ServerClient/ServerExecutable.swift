import Foundation

/// Where the `gptls` binary that a tool starts as its server is.
///
/// `swift build` puts `gptls` and `gptls-tools` in one bin directory, and an installation keeps them together, so a
/// tool looks beside its own executable unless it is given a path.
public enum ServerExecutable {
    /// This process's own executable, symbolic links resolved (Linux: /proc/self/exe).
    public static var running: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }

    /// `path` when given, else the executable `name` in the directory of this process's own executable.
    /// Throws `ServerExecutableError` when that file is not an executable.
    public static func locate(_ path: String?, name: String = "gptls") throws -> URL {
        let url = path.map { URL(fileURLWithPath: $0) }
            ?? running.deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw ServerExecutableError.notExecutable(url.path, given: path != nil)
        }
        return url
    }
}
