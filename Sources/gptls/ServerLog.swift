import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The shared process's log file: stdout and stderr point at it, and it is rotated by size so that a daemon that
/// runs for months cannot fill the disk.
///
/// When the file reaches `maximumBytes` it becomes `<path>.1` (replacing the previous one) and a new file is begun,
/// so at most about twice `maximumBytes` is kept. Checked every second: a burst can overshoot by a second's worth.
///
/// Threading: `open` once at start-up; rotation runs on its own timer queue.
final class ServerLog: @unchecked Sendable {
    let path: String
    let maximumBytes: Int
    private let queue = DispatchQueue(label: "gptls.log.rotation")
    private var timer: DispatchSourceTimer?

    /// Why the log could not be opened.
    struct OpenError: Error, CustomStringConvertible {
        let path: String
        let code: Int32
        var description: String { "the log file \(path) cannot be opened: \(String(cString: strerror(code)))" }
    }

    init(path: String, maximumBytes: Int) {
        self.path = path
        self.maximumBytes = maximumBytes
    }

    /// Points stdout and stderr at the file (appending) and starts checking its size.
    func open() throws {
        try redirect()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 1, repeating: 1)
        // Held strongly: the log lives as long as the process, whoever keeps the object.
        timer.setEventHandler { self.rotateIfFull() }
        timer.resume()
        self.timer = timer
    }

    private func redirect() throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OpenError(path: path, code: errno) }
        fflush(stdout)
        fflush(stderr)
        dup2(fd, STDOUT_FILENO)
        dup2(fd, STDERR_FILENO)
        close(fd)
    }

    private func rotateIfFull() {
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0, Int(info.st_size) >= maximumBytes else { return }
        rename(path, path + ".1")
        try? redirect()
    }
}
