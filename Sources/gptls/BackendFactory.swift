import LocalBackend
import RemoteBackend
import Tasks

/// Makes the backend a configuration asks for: models in this process, a serving engine, or both, task by task.
///
/// The executable wires backends; the language server only sees `TaskBackend`. Where each task runs is decided by
/// `BackendConfiguration.placements` (settings, flags, manifest).
enum BackendFactory {
    static func backend(_ configuration: BackendConfiguration, heads: Int?) throws -> any TaskBackend {
        let placements = try configuration.placements()
        // One remote backend per distinct endpoint, and the local one only when a task needs it.
        var remote: [EndpointConfiguration: RemoteBackend] = [:]
        for case .remote(let endpoint) in placements.values where remote[endpoint] == nil {
            remote[endpoint] = try RemoteBackend(configuration: endpoint)
        }
        if remote.isEmpty { return try ModelLoader.backend(configuration, heads: heads) }
        let needsLocal = placements.values.contains { if case .local = $0 { true } else { false } }
        let local = needsLocal ? try ModelLoader.backend(configuration, heads: heads) : nil
        return TaskRouter { kind in
            if case .remote(let endpoint) = placements[kind] { return remote[endpoint]! }
            return local!
        }
    }
}
