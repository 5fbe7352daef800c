import Dispatch
import Foundation
import JSONRPC
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A shared gptls process: LSP over a Unix socket, one `Server` session per connection, one `BackendPool` for all.
///
/// Starting takes the socket directory's start lock, refuses to start when another server answers at the path,
/// replaces a stale socket file (one nobody listens on), and listens with a 0600 socket in a 0700 directory.
/// Connections from another user (`SO_PEERCRED`) are closed at once. With `idleExit`, the process ends after that
/// long without connections; on SIGTERM or SIGINT it stops accepting, gives the replies in flight up to
/// `drainSeconds` to go out, and exits 0.
///
/// Threading: accepting runs on its own thread; the rest on `control`, a serial queue.
public final class SocketListener: @unchecked Sendable {
    public let path: String
    private let settings: Settings
    private let pool: BackendPool
    private let idleExit: TimeInterval?
    private let drainSeconds: TimeInterval
    private let logger: Logger
    public let sessions = SessionRegistry()
    private let control = DispatchQueue(label: "gptls.socket.control")
    // Touched on `control` only.
    private var listening: Int32 = -1
    private let version: String
    private var socketInode: ino_t = 0
    private var live: [Int32: SocketSession] = [:]
    private var idleSince = Date()
    private var stopping = false
    private var sources: [DispatchSourceProtocol] = []
    private var onExit: (@Sendable (Int32) -> Void)?

    /// `version` is what each session reports as `serverInfo.version`.
    public init(path: String, settings: Settings, version: String = Server.version, pool: BackendPool,
                idleExit: TimeInterval?, drainSeconds: TimeInterval = 10,
                logger: Logger = Logger(label: "gptls.socket")) {
        self.path = path
        self.settings = settings
        self.version = version
        self.pool = pool
        self.idleExit = idleExit
        self.drainSeconds = drainSeconds
        self.logger = logger
    }

    /// Binds the socket and starts serving; `onExit(code)` is called once when the process should end.
    /// Throws `.alreadyServed` when another server answers at `path`.
    public func start(onExit: @escaping @Sendable (Int32) -> Void) throws {
        signal(SIGPIPE, SIG_IGN)
        try SocketDirectory.prepare(socketPath: path)
        let fd = try SocketDirectory.withStartLock(socketPath: path) { () throws -> Int32 in
            do {
                close(try UnixSocket.connect(path))
                throw UnixSocket.SocketError.alreadyServed(path)
            } catch let error as UnixSocket.SocketError where error.isStale {
                logger.notice("replacing the stale socket \(path) (nothing listened on it)")
                unlink(path)
            } catch let error as UnixSocket.SocketError where error.isMissing {}
            let fd = try UnixSocket.listen(path)
            unlink(path + ".starting")  // `gptls connect`'s note that a start is under way
            return fd
        }
        var info = stat()
        stat(path, &info)
        control.sync {
            listening = fd
            socketInode = info.st_ino
            self.onExit = onExit
        }
        logger.info("serving LSP on \(path)")
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "gptls.socket.accept"
        thread.start()
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: control)
            source.setEventHandler { [weak self] in self?.stop(reason: "signal \(signalNumber)") }
            source.resume()
            sources.append(source)
        }
        if let idleExit {
            let timer = DispatchSource.makeTimerSource(queue: control)
            let period = min(1.0, max(0.05, idleExit / 4))
            timer.schedule(deadline: .now() + period, repeating: period)
            timer.setEventHandler { [weak self] in
                guard let self, !self.stopping, self.live.isEmpty,
                      Date().timeIntervalSince(self.idleSince) >= idleExit else { return }
                self.stop(reason: "no connection for \(Int(idleExit)) s")
            }
            timer.resume()
            sources.append(timer)
        }
    }

    private func acceptLoop(_ fd: Int32) {
        while true {
            let client = accept(fd, nil, nil)
            if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }  // no child of this process inherits it
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE {
                    logger.error("accepting a connection failed: too many open files; retrying")
                    Thread.sleep(forTimeInterval: 0.1)
                    continue
                }
                return  // the listening socket was shut down: stopping
            }
            guard let uid = UnixSocket.peerUID(client), uid == getuid() else {
                let peer = UnixSocket.peerUID(client).map(String.init) ?? "unknown"
                logger.warning("refused a connection from another user (uid \(peer))")
                close(client)
                continue
            }
            control.async { self.admit(client) }
        }
    }

    private func admit(_ fd: Int32) {
        guard !stopping else {
            close(fd)
            return
        }
        let session = SocketSession(fd: fd, settings: settings, version: version, pool: pool, sessions: sessions,
                                    logger: logger, onEnd: { [weak self] in
                                        guard let self else { return }
                                        self.control.async { self.ended(fd) }
                                    })
        live[fd] = session
        logger.info("connection \(session.server.sessionID) opened (\(live.count) open)")
    }

    private func ended(_ fd: Int32) {
        guard live.removeValue(forKey: fd) != nil else { return }
        idleSince = Date()
        logger.info("a connection closed (\(live.count) open)")
    }

    /// Stops accepting, lets replies in flight finish (bounded), then reports the exit.
    private func stop(reason: String) {
        guard !stopping else { return }
        stopping = true
        logger.notice("stopping: \(reason)")
        removeSocketFile()
        shutdown(listening, Int32(SHUT_RDWR))
        drain(until: Date().addingTimeInterval(drainSeconds))
    }

    /// Waits (polling on `control`) until no reply is pending or `deadline` passes, then exits.
    private func drain(until deadline: Date) {
        let pending = sessions.pendingRequests
        guard pending == 0 || Date() >= deadline else {
            control.asyncAfter(deadline: .now() + 0.02) { self.drain(until: deadline) }
            return
        }
        if pending > 0 { logger.warning("exiting with \(pending) replies unsent") }
        for session in live.values { session.flush() }
        pool.shutdownAll()
        onExit?(0)
    }

    /// Removes the socket file if it is still ours (a newer server may have replaced it).
    private func removeSocketFile() {
        var info = stat()
        if stat(path, &info) == 0, info.st_ino == socketInode { unlink(path) }
    }
}
