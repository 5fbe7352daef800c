/// What the language server asks of a model, wherever it runs: in this process or on a serving engine.
///
/// The language server names only this protocol; the executable decides which backend serves (see `BackendLoader`).
/// Every task comes back exactly once through its `onFinish`, also when cancelled (`TaskError.cancelled`) or
/// replaced by a newer completion for the same document (`TaskError.superseded`).
///
/// Threading: every method may be called from any thread and returns at once. `onFinish` and `progress` run on a
/// thread of the backend's choosing and must return quickly (hop to your own queue).
public protocol TaskBackend: AnyObject, Sendable {
    /// Continues the text before the cursor (ghost text). A newer task with the same `documentKey` supersedes it.
    func complete(_ task: CompletionTask,
                  onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable

    /// Summarises a text; `progress(done, total)` reports each finished part of a text longer than the context.
    func summarize(_ task: SummaryTask, progress: @escaping @Sendable (Int, Int) -> Void,
                   onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable

    /// Labels a text: with the backend's own classifier, or zero-shot among `task.labels`.
    func classify(_ task: ClassificationTask,
                  onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void) -> any Cancellable

    /// Work and cache figures, as of now.
    var status: BackendStatus { get }

    /// Ends every unfinished task with `.cancelled` and releases the models. Later tasks fail at once.
    func shutdown()
}

/// Stops a task that was handed to a backend. Cancelling a finished task does nothing.
public protocol Cancellable: AnyObject, Sendable {
    func cancel()
}

/// Makes a backend for a configuration; the language server calls it when the settings select other models.
public typealias BackendLoader = @Sendable (BackendConfiguration) throws -> any TaskBackend
