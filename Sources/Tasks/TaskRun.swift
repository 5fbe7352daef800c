import Foundation

/// A task made of requests run one after another (the pieces of a long summary): cancelled together, finished once.
///
/// Threading: any thread. The first `finish` wins; a request attached after it is cancelled at once.
final class TaskRun<Value: Sendable>: Cancellable, @unchecked Sendable {
    private let lock = NSLock()
    private var onFinish: (@Sendable (Result<Value, TaskError>) -> Void)?
    private var requests: [any Cancellable] = []

    init(onFinish: @escaping @Sendable (Result<Value, TaskError>) -> Void) {
        self.onFinish = onFinish
    }

    var isFinished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return onFinish == nil
    }

    /// A request of the task, cancelled with it.
    func attach(_ request: any Cancellable) {
        lock.lock()
        let finished = onFinish == nil
        if !finished { requests.append(request) }
        lock.unlock()
        if finished { request.cancel() }
    }

    /// Ends the task with `result` unless it has ended.
    func finish(_ result: Result<Value, TaskError>) {
        lock.lock()
        let onFinish = self.onFinish
        self.onFinish = nil
        requests = []
        lock.unlock()
        onFinish?(result)
    }

    /// Ends the task as cancelled and cancels its requests.
    func cancel() {
        lock.lock()
        let requests = self.requests
        lock.unlock()
        finish(.failure(.cancelled))
        requests.forEach { $0.cancel() }
    }
}

/// What a task returns when it ended before it started (refused, or failed at once).
public final class Finished: Cancellable {
    public init() {}
    public func cancel() {}
}
