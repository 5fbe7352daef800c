import Foundation

/// Gathers one result per item from work that runs in parallel (the labels of a classification) and reports once:
/// every value in item order, or the first failure.
///
/// Threading: `set` may be called from any thread; `onDone` runs on the thread of the call that completes it.
public final class ScoreCollector<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value?]
    private var remaining: Int
    private var done = false
    private let onDone: @Sendable (Result<[Value], TaskError>) -> Void

    /// A collector of `count` results; with none to wait for it reports at once.
    public init(count: Int, onDone: @escaping @Sendable (Result<[Value], TaskError>) -> Void) {
        values = Array(repeating: nil, count: count)
        remaining = count
        self.onDone = onDone
        if count == 0 {
            done = true
            onDone(.success([]))
        }
    }

    /// The result of item `index`. A second result for the same item, or any after the report, is ignored.
    public func set(_ index: Int, _ outcome: Result<Value, TaskError>) {
        lock.lock()
        guard !done, values[index] == nil else { return lock.unlock() }
        let report: Result<[Value], TaskError>?
        switch outcome {
        case .failure(let error):
            done = true
            report = .failure(error)
        case .success(let value):
            values[index] = value
            remaining -= 1
            done = remaining == 0
            report = done ? .success(values.map { $0! }) : nil
        }
        lock.unlock()
        if let report { onDone(report) }
    }
}
