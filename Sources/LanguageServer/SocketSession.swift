import Foundation
import JSONRPC
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One client connection of a shared process: its socket, its JSON-RPC connection and its own `Server`.
///
/// The session ends when the client closes its end (or `exit`s, or its editor process dies): the server cancels
/// exactly this session's pending requests in the backend and drops its documents, the socket is shut down, and
/// once the reader has stopped the descriptor is closed. Sends after that are dropped, so a late progress
/// notification can never reach a descriptor number that the process has since reused.
///
/// Threading: any thread.
final class SocketSession: @unchecked Sendable {
    let fd: Int32
    private let lock = NSLock()
    private var closed = false
    private var connection: Connection!
    private(set) var server: Server!

    init(fd: Int32, settings: Settings, version: String, pool: BackendPool, sessions: SessionRegistry, logger: Logger,
         onEnd: @escaping @Sendable () -> Void) {
        self.fd = fd
        let connection = Connection(input: fd, output: fd, logger: logger)
        self.connection = connection
        self.server = Server(settings: settings, version: version, models: BackendProvider(pool: pool, logger: logger),
                             sessions: sessions, logger: logger,
                             send: { [weak self] message in self?.send(message) },
                             onTermination: { [weak self] termination in
                                 guard let self else { return }
                                 if case .unexpected(let why) = termination { logger.info("connection ended: \(why)") }
                                 self.connection.flush()
                                 shutdown(self.fd, Int32(SHUT_RDWR))
                             })
        connection.start(onMessage: { [server] in server?.receive($0) }, onClose: { [self] in
            server.inputClosed()
            server.waitUntilIdle()
            lock.lock()
            closed = true
            lock.unlock()
            self.connection.flush()
            close(fd)
            onEnd()
        })
    }

    private func send(_ message: Message) {
        lock.lock()
        defer { lock.unlock() }
        if !closed { connection.send(message) }
    }

    /// Waits until every reply the server has decided on has been written. The server's queue is drained first: a
    /// request's reply leaves the pending count (what a stopping process waits on) a moment before it reaches the
    /// connection, and a process that exited in that moment lost the reply.
    func flush() {
        server.waitUntilIdle()
        connection.flush()
    }
}
