import Dispatch
import Foundation
import Tasks

/// One task in flight on an engine: its HTTP exchanges, and the guarantee that it finishes exactly once.
///
/// Whatever comes first ends it: the engine's reply, a stop rule, the task's deadline (keeping what arrived), the
/// hard time limit, `cancel`, a newer completion for the same document, or the backend shutting down. Ending it
/// closes the connection of its exchange, so the engine stops generating.
///
/// Threading: every method may be called from any thread; the first `finish` wins, later ones do nothing.
final class RemoteCall<Value: Sendable>: Cancellable, @unchecked Sendable {
    private let lock = NSLock()
    private var finished = false
    private var exchanges: [HTTPClient.Exchange] = []
    private var onFinish: (@Sendable (Result<Value, TaskError>) -> Void)?
    private var timers: [DispatchWorkItem] = []
    private let onEnd: @Sendable (ObjectIdentifier) -> Void

    init(onFinish: @escaping @Sendable (Result<Value, TaskError>) -> Void, onEnd: @escaping @Sendable (ObjectIdentifier) -> Void = { _ in }) {
        self.onFinish = onFinish
        self.onEnd = onEnd
    }

    var isFinished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    /// An exchange this call waits on; cancelled at once when the call has already ended.
    func attach(_ exchange: HTTPClient.Exchange) {
        lock.lock()
        let alreadyFinished = finished
        if !alreadyFinished { exchanges.append(exchange) }
        lock.unlock()
        if alreadyFinished { exchange.cancel() }
    }

    /// Runs `body` at `deadline` unless the call has finished by then.
    func schedule(at deadline: DispatchTime, _ body: @escaping @Sendable () -> Void) {
        let item = DispatchWorkItem { body() }
        lock.lock()
        timers.append(item)
        lock.unlock()
        DispatchQueue.global().asyncAfter(deadline: deadline, execute: item)
    }

    /// Ends the call with `result` unless it has ended; closes its connection.
    func finish(_ result: Result<Value, TaskError>) {
        lock.lock()
        guard !finished else { return lock.unlock() }
        finished = true
        let exchanges = self.exchanges, onFinish = self.onFinish, timers = self.timers
        self.exchanges = []
        self.onFinish = nil
        self.timers = []
        lock.unlock()
        exchanges.forEach { $0.cancel() }
        timers.forEach { $0.cancel() }
        onEnd(ObjectIdentifier(self))
        onFinish?(result)
    }

    func cancel() { finish(.failure(.cancelled)) }
}
