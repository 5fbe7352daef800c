import JSONRPC
import Logging
import Protocol
import Tasks

extension BackendConfiguration {
    /// The models the settings ask for.
    init(_ settings: Settings) {
        var models: [TaskKind: String] = [:]
        for kind in TaskKind.allCases { models[kind] = settings.modelPath(for: kind) }
        self.init(models: models, cacheBudgetMB: settings.cacheBudgetMB,
                  prefixCaching: settings.prefixCache, promptLookup: settings.promptLookup,
                  stepMs: settings.stepMs, weights: settings.weights,
                  threads: settings.threads, endpoint: settings.endpoint, endpointPolicy: settings.endpointPolicy,
                  memoryLimit: settings.memoryLimit)
    }
}

/// One session's view of the shared `BackendPool`: the backend its settings ask for, held until they ask for another.
///
/// The first request after a change acquires it: the models the command line names are usually loaded by then
/// (`BackendPool.startPreload`); otherwise, or when the settings ask for other models, that request waits for the
/// load. `initialize` answers at once either way. A backend that fails to load is reported to the user once, and
/// requests get a -32803 error that says why until the settings change.
///
/// Threading: used on the server's queue only.
public final class BackendProvider {
    let pool: BackendPool
    private let logger: Logger
    private var configuration: BackendConfiguration?
    private var loaded: (configuration: BackendConfiguration, backend: any TaskBackend)?
    private var failure: (configuration: BackendConfiguration, message: String)?
    /// Called once per failed configuration, to tell the user.
    var onFailure: ((String) -> Void)?

    /// A session of its own pool: the process serves one session (stdio).
    public convenience init(logger: Logger = Logger(label: "gptls.models"), loader: @escaping BackendLoader) {
        self.init(pool: BackendPool(logger: logger, loader: loader), logger: logger)
    }

    /// A session that shares `pool` with the process's other sessions.
    public init(pool: BackendPool, logger: Logger = Logger(label: "gptls.models")) {
        self.pool = pool
        self.logger = logger
    }

    deinit { close() }

    /// Takes the model choice of new settings; nothing is loaded until it is needed, and a backend that the new
    /// settings no longer select is given back at once (shut down if no other session holds it).
    func apply(_ settings: Settings) {
        let wanted = BackendConfiguration(settings)
        configuration = wanted
        pool.settlePreload(unless: wanted)
        if let loaded, loaded.configuration != wanted {
            self.loaded = nil
            pool.release(loaded.configuration)
        }
    }

    /// Gives the backend back: the session ended.
    func close() {
        if let loaded {
            self.loaded = nil
            pool.release(loaded.configuration)
        }
    }

    /// The backend for the current settings, acquiring it if needed.
    func backend() throws -> any TaskBackend {
        let wanted = configuration ?? BackendConfiguration(Settings())
        if let loaded, loaded.configuration == wanted { return loaded.backend }
        if let failure, failure.configuration == wanted {
            throw ResponseError(.requestFailed, failure.message, data: ["reason": "model"])
        }
        do {
            let backend = try pool.acquire(wanted)
            close()
            loaded = (wanted, backend)
            failure = nil
            pool.settlePreload()
            return backend
        } catch {
            let message = "gptls could not load the model: \(error)"
            logger.error("\(message)")
            failure = (wanted, message)
            onFailure?(message)
            throw ResponseError(.requestFailed, message, data: ["reason": "model"])
        }
    }

    /// Backend figures for `gptls/status`, or why there is no model.
    func status() -> ModelsStatus {
        if let failure { return .failed(failure.message) }
        let wanted = configuration ?? BackendConfiguration(Settings())
        guard let backend = loaded?.backend ?? pool.loaded(wanted) else {
            return .notLoaded(loading: pool.isLoading(wanted))
        }
        return .loaded(backend.status)
    }
}
