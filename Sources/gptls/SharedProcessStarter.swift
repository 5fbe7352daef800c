import Foundation
import JSONRPC

#if canImport(Glibc)
import Glibc
#endif

/// Connects to the shared process, starting it when nothing answers.
///
/// Under the start lock, a connection attempt decides: a live server is used; otherwise a server is spawned unless
/// one spawned by another `connect` is still starting (its pid in `<socket>.starting`). Then the lock is released
/// (the server takes it to bind) and the socket is polled until it answers; a starting process that dies before it
/// listens is replaced by another, until `startTimeout`.
struct SharedProcessStarter {
    let socketPath: String
    let idleExit: Double
    let model: String?
    let logLevel: String
    let startTimeout: Double
    /// `serve`'s `--max-memory-mb` and `--allow-endpoint`, for the process this starts.
    var maxMemoryMB: Int? = nil
    var allowedEndpoints: [String] = []

    /// Why no connection came about.
    enum StartError: Error, CustomStringConvertible {
        case spawnFailed(String, Int32)
        case noAnswer(String, seconds: Double, log: String)

        var description: String {
            switch self {
            case .spawnFailed(let executable, let code):
                return "starting \(executable) failed: \(String(cString: strerror(code)))"
            case .noAnswer(let path, let seconds, let log):
                return "the shared gptls did not answer on \(path) within \(Int(seconds)) s; see its log, \(log)"
            }
        }
    }

    func connect() throws -> Int32 {
        if let fd = try? UnixSocket.connect(socketPath) { return fd }
        try SocketDirectory.prepare(socketPath: socketPath)
        let log = try logFile()
        let deadline = Date().addingTimeInterval(startTimeout)
        while Date() < deadline {
            let answered: Int32? = try SocketDirectory.withStartLock(socketPath: socketPath) {
                if let fd = try? UnixSocket.connect(socketPath) { return fd }
                if startingProcess() == nil {
                    let pid = try spawn(log: log)
                    try? "\(pid)\n".write(toFile: socketPath + ".starting", atomically: true, encoding: .utf8)
                }
                return nil
            }
            if let answered { return answered }
            // Poll until the socket answers, or the process starting it died before it listened (then start again).
            while Date() < deadline {
                if let fd = try? UnixSocket.connect(socketPath) { return fd }
                if startingProcess() == nil {
                    usleep(200_000)
                    break
                }
                usleep(20_000)
            }
        }
        throw StartError.noAnswer(socketPath, seconds: startTimeout, log: log)
    }

    /// The process named in `<socket>.starting` while it runs; nil once it is gone (or a zombie, which this process
    /// reaps when it is its child) or when there is none. The server removes the file once it listens.
    private func startingProcess() -> pid_t? {
        guard let text = try? String(contentsOfFile: socketPath + ".starting", encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        if waitpid(pid, nil, WNOHANG) == pid { return nil }
        guard kill(pid, 0) == 0 else { return nil }
        // /proc/PID/stat: "PID (name) STATE ..."; a zombie has died but not been reaped by its parent.
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")"), stat[close...].dropFirst(2).first == "Z" { return nil }
        return pid
    }

    /// The server's log: `$XDG_STATE_HOME/gptls/server.log`, else `~/.local/state/gptls/server.log`.
    func logFile() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let state = environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        let directory = state + "/gptls"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return directory + "/server.log"
    }

    /// Starts `gptls serve --socket` in a new session (no controlling terminal, not killed with the editor's group),
    /// stdin from /dev/null, stdout and stderr appended to `log` (which the server then rotates: `--log-file`).
    private func spawn(log: String) throws -> pid_t {
        var executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        // An upgrade replaced this binary since it started: the new one at the same path is started instead.
        if executable.hasSuffix(" (deleted)") { executable.removeLast(" (deleted)".count) }
        var arguments = [executable, "serve", "--socket", socketPath, "--idle-exit", String(idleExit),
                         "--log-level", logLevel, "--log-file", log]
        if let model { arguments += ["--model", model] }
        if let maxMemoryMB { arguments += ["--max-memory-mb", String(maxMemoryMB)] }
        for url in allowedEndpoints { arguments += ["--allow-endpoint", url] }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // glibc's POSIX_SPAWN_SETSID (0x80), which Glibc hides behind _GNU_SOURCE.
        let newSession: Int32 = 0x80
        posix_spawnattr_setflags(&attributes, Int16(newSession | POSIX_SPAWN_SETSIGMASK))
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard code == 0 else { throw StartError.spawnFailed(executable, code) }
        return pid
    }
}
