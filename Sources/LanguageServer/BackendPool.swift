import Foundation
import Logging
import Tasks

/// The backends of a process, shared by all its sessions: one per configuration that some session's settings select.
///
/// Sessions (connections) `acquire` the configuration their settings ask for and `release` it when their settings
/// change or they end. Two sessions asking for the same configuration get the same backend, loaded once, so they
/// share its scheduler and prefix cache; a backend that no session selects any more is shut down and its memory
/// freed.
///
/// Threading: any thread. Loading happens under the pool's lock, so a configuration asked by two sessions at the
/// same moment is loaded once (the second waits for the first).
public final class BackendPool: @unchecked Sendable {
    private let loader: BackendLoader
    private let logger: Logger
    private let lock = NSLock()
    private var entries: [BackendConfiguration: Entry] = [:]

    private struct Entry {
        var backend: any TaskBackend
        /// Sessions holding this configuration.
        var users: Int
    }

    public init(logger: Logger = Logger(label: "gptls.models"), loader: @escaping BackendLoader) {
        self.loader = loader
        self.logger = logger
    }

    /// The backend of `configuration`, loading it when no session holds it; every call needs one `release`.
    func acquire(_ configuration: BackendConfiguration) throws -> any TaskBackend {
        lock.lock()
        defer { lock.unlock() }
        if var entry = entries[configuration] {
            entry.users += 1
            entries[configuration] = entry
            return entry.backend
        }
        let backend = try loader(configuration)
        entries[configuration] = Entry(backend: backend, users: 1)
        logger.info("models loaded (\(entries.count) configuration\(entries.count == 1 ? "" : "s") in use)")
        return backend
    }

    /// Gives back one `acquire`; the last one shuts the backend down (its unfinished tasks end as cancelled).
    func release(_ configuration: BackendConfiguration) {
        lock.lock()
        guard var entry = entries[configuration] else { return lock.unlock() }
        entry.users -= 1
        if entry.users > 0 {
            entries[configuration] = entry
            return lock.unlock()
        }
        entries[configuration] = nil
        lock.unlock()
        logger.info("models released: no session selects them any more")
        entry.backend.shutdown()
    }

    /// Loads the models of `settings` and keeps them for the life of the process, whether or not a session
    /// selects them: a shared process keeps its cache warm between one editor closing and the next connecting.
    public func preload(_ settings: Settings) throws {
        _ = try acquire(BackendConfiguration(settings))
    }

    /// Configurations loaded now.
    public var loadedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    /// Shuts every backend down, whoever holds it: the process is ending.
    public func shutdownAll() {
        lock.lock()
        let backends = entries.values.map(\.backend)
        entries.removeAll()
        lock.unlock()
        for backend in backends { backend.shutdown() }
    }
}
