import Dispatch
import Foundation
import LanguageServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

extension ServeCommand {
    /// The shared process: every connection to `path` is its own session over one pool of models.
    ///
    /// Besides serving, it keeps a crash report ready (`CrashReport`, refreshed every quarter second with the
    /// requests in flight), and on SIGUSR1 (a `gptls connect` of another version found it) it exits as soon as no
    /// connection is left, through the same graceful stop as SIGTERM.
    func serveSocket(_ path: String, settings: Settings, heads: Int?) throws {
        CrashReport.install()
        let pool = BackendPool { try BackendFactory.backend($0, heads: heads) }
        let listener = SocketListener(path: path, settings: settings, version: BuildVersion.current, pool: pool,
                                      idleExit: idleExit)
        try listener.start(onExit: { code in
            Logger(label: "gptls").notice("exiting")
            Foundation.exit(code)
        })
        // Models load at start, after the socket answers: the first requests wait for them (in the pool) instead of
        // the editors' connections being refused meanwhile.
        pool.startPreload(settings, keep: true)
        let watch = SharedProcessWatch(sessions: listener.sessions)
        watch.start()
        dispatchMain()
    }
}

/// The shared process's own upkeep: the crash report's "doing" line, and leaving when a newer version asks.
///
/// Threading: everything runs on `queue`.
final class SharedProcessWatch: @unchecked Sendable {
    private let sessions: SessionRegistry
    private let queue = DispatchQueue(label: "gptls.socket.watch")
    private var sources: [DispatchSourceProtocol] = []
    private var retiring = false

    init(sessions: SessionRegistry) {
        self.sessions = sessions
    }

    func start() {
        signal(SIGUSR1, SIG_IGN)
        let retire = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: queue)
        retire.setEventHandler { [weak self] in
            guard let self, !self.retiring else { return }
            self.retiring = true
            Logger(label: "gptls.socket").notice("another version took over; exiting once the connections leave")
        }
        retire.resume()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 0.25, repeating: 0.25)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        sources = [retire, timer]
    }

    private func tick() {
        let connections = sessions.all
        var counts: [String: Int] = [:]
        for method in connections.flatMap(\.pendingMethods) { counts[method, default: 0] += 1 }
        let requests = counts.isEmpty ? "no request in flight"
            : "requests in flight: " + counts.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
        CrashReport.update(doing: "\(connections.count) connections; \(requests)")
        if retiring && connections.isEmpty {
            // SIGTERM takes the listener's graceful stop: the socket file goes, replies in flight are finished.
            kill(getpid(), SIGTERM)
            retiring = false
        }
    }
}
