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
/// Models load when the process starts (`startPreload`), in the background, so the editor's first keystroke finds
/// them ready; a request that comes while they load waits for the load. Under a memory limit, a new backend is
/// loaded with the limit less the KV memory the loaded ones may still take, so together they stay under it.
///
/// Threading: any thread. One load runs at a time (under `loadLock`), so a configuration asked by two sessions at
/// the same moment is loaded once (the second waits for the first); the state lock is only held briefly, so
/// `isLoading` and `loaded(_:)` answer while a load runs.
public final class BackendPool: @unchecked Sendable {
    private let loader: BackendLoader
    private let logger: Logger
    private let lock = NSLock()
    private let loadLock = NSLock()
    private var entries: [BackendConfiguration: Entry] = [:]
    private var loading: BackendConfiguration?
    private var preload = Preload.none

    private struct Entry {
        var backend: any TaskBackend
        /// Sessions holding this configuration (and the preload's hold while it has one).
        var users: Int
    }

    /// The hold a preload for a single session (stdio) keeps until that session has chosen its models.
    private enum Preload {
        case none
        /// Loading; `dropped` when the session settled before it finished, so the hold goes back once loaded.
        case pending(BackendConfiguration, dropped: Bool)
        case held(BackendConfiguration)
    }

    public init(logger: Logger = Logger(label: "gptls.models"), loader: @escaping BackendLoader) {
        self.loader = loader
        self.logger = logger
    }

    /// The backend of `configuration`, loading it when no session holds it; every call needs one `release`.
    func acquire(_ configuration: BackendConfiguration) throws -> any TaskBackend {
        if let backend = take(configuration) { return backend }
        loadLock.lock()
        defer { loadLock.unlock() }
        // Loaded by whoever held the load lock before us.
        if let backend = take(configuration) { return backend }
        setLoading(configuration)
        defer { setLoading(nil) }
        var toLoad = configuration
        toLoad.memoryLimit = configuration.memoryLimit?.lessPromised(promisedCacheBytes())
        let backend = try loader(toLoad)
        lock.lock()
        entries[configuration] = Entry(backend: backend, users: 1)
        let count = entries.count
        lock.unlock()
        logger.info("models loaded (\(count) configuration\(count == 1 ? "" : "s") in use)")
        return backend
    }

    /// KV bytes the loaded backends may still write (their budgets less what they hold): memory a new backend
    /// must leave them under the process's limit.
    func promisedCacheBytes() -> Int {
        lock.lock()
        let backends = entries.values.map(\.backend)
        lock.unlock()
        return backends.reduce(0) { total, backend in
            let status = backend.status
            guard let budget = status.cacheBudgetBytes else { return total }
            return total + max(0, budget - status.caches.reduce(0) { $0 + $1.bytesResident })
        }
    }

    private func take(_ configuration: BackendConfiguration) -> (any TaskBackend)? {
        lock.lock()
        defer { lock.unlock() }
        guard var entry = entries[configuration] else { return nil }
        entry.users += 1
        entries[configuration] = entry
        return entry.backend
    }

    private func setLoading(_ configuration: BackendConfiguration?) {
        lock.lock()
        loading = configuration
        lock.unlock()
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

    /// Starts loading the models of `settings` on a background thread and returns at once.
    ///
    /// `keep` (a shared process): they stay for the life of the process, whether or not a session selects them, so
    /// the cache stays warm between one editor closing and the next connecting. Otherwise (one session, stdio) the
    /// preload's hold goes back when the session has chosen its models (`settlePreload`): kept if it chose these,
    /// shut down if its settings ask for others. A load error is logged; the session's first request loads again
    /// and gets the error.
    public func startPreload(_ settings: Settings, keep: Bool) {
        let configuration = BackendConfiguration(settings)
        if !keep {
            lock.lock()
            preload = .pending(configuration, dropped: false)
            lock.unlock()
        }
        DispatchQueue.global().async { [self] in
            do {
                _ = try acquire(configuration)
            } catch {
                logger.error("gptls could not load the model: \(error)")
                lock.lock()
                if !keep { preload = .none }
                lock.unlock()
                return
            }
            guard !keep else { return }
            lock.lock()
            var giveBack = false
            if case .pending(_, let dropped) = preload {
                giveBack = dropped
                preload = dropped ? .none : .held(configuration)
            }
            lock.unlock()
            if giveBack { release(configuration) }
        }
    }

    /// Ends the preload's hold (see `startPreload`) unless it holds `wanted`, which the session has not acquired yet.
    func settlePreload(unless wanted: BackendConfiguration? = nil) {
        lock.lock()
        var giveBack: BackendConfiguration?
        switch preload {
        case .none: break
        case .pending(let configuration, _):
            if configuration != wanted { preload = .pending(configuration, dropped: true) }
        case .held(let configuration):
            if configuration != wanted {
                preload = .none
                giveBack = configuration
            }
        }
        lock.unlock()
        if let giveBack { release(giveBack) }
    }

    /// Whether `configuration` is being loaded now.
    func isLoading(_ configuration: BackendConfiguration) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return loading == configuration
    }

    /// The backend of `configuration` if it is loaded, without taking a hold on it (for status).
    func loaded(_ configuration: BackendConfiguration) -> (any TaskBackend)? {
        lock.lock()
        defer { lock.unlock() }
        return entries[configuration]?.backend
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
