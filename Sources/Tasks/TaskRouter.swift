/// A backend that sends each task to the backend configured for it: local and remote tasks mixed in one manifest.
///
/// The same backend may serve several tasks; it is asked for status and shut down once.
public final class TaskRouter: TaskBackend, @unchecked Sendable {
    private let routes: [TaskKind: any TaskBackend]

    /// A router with `backend(kind)` for each task.
    public init(_ backend: (TaskKind) throws -> any TaskBackend) rethrows {
        var routes: [TaskKind: any TaskBackend] = [:]
        for kind in TaskKind.allCases { routes[kind] = try backend(kind) }
        self.routes = routes
    }

    /// The backend that serves `kind`.
    public func backend(for kind: TaskKind) -> any TaskBackend { routes[kind]! }

    /// Each backend once, in task order.
    private var distinct: [any TaskBackend] {
        var seen: [ObjectIdentifier] = []
        return TaskKind.allCases.map(backend(for:)).filter { backend in
            let id = ObjectIdentifier(backend)
            if seen.contains(id) { return false }
            seen.append(id)
            return true
        }
    }

    public func complete(_ task: CompletionTask,
                         onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        backend(for: .completion).complete(task, onFinish: onFinish)
    }

    public func summarize(_ task: SummaryTask, progress: @escaping @Sendable (Int, Int) -> Void,
                          onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        backend(for: .summarize).summarize(task, progress: progress, onFinish: onFinish)
    }

    public func classify(_ task: ClassificationTask,
                         onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void) -> any Cancellable {
        backend(for: .classify).classify(task, onFinish: onFinish)
    }

    /// The figures of every backend added up; caches and endpoints listed together.
    public var status: BackendStatus {
        distinct.map(\.status).reduce(BackendStatus()) { sum, next in
            BackendStatus(steps: sum.steps + next.steps, jobsFinished: sum.jobsFinished + next.jobsFinished,
                          activeSequences: sum.activeSequences + next.activeSequences,
                          promptTokensComputed: sum.promptTokensComputed + next.promptTokensComputed,
                          promptTokensReused: sum.promptTokensReused + next.promptTokensReused,
                          tokensGenerated: sum.tokensGenerated + next.tokensGenerated,
                          caches: sum.caches + next.caches, endpoints: sum.endpoints + next.endpoints)
        }
    }

    public func shutdown() { distinct.forEach { $0.shutdown() } }
}
