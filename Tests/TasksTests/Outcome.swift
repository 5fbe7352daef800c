import Foundation
import Tasks

/// The outcomes a task reported, in order: a task must report exactly once.
final class Outcomes<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [Result<Value, TaskError>] = []

    var reported: [Result<Value, TaskError>] {
        lock.lock()
        defer { lock.unlock() }
        return all
    }

    /// The one outcome, or nil when there is not exactly one.
    var only: Result<Value, TaskError>? { reported.count == 1 ? reported[0] : nil }

    var onFinish: @Sendable (Result<Value, TaskError>) -> Void {
        { outcome in
            self.lock.lock()
            self.all.append(outcome)
            self.lock.unlock()
        }
    }
}
