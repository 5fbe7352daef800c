import Engine

/// Gathers the results of several jobs that run in parallel and reports once, when all are in or one failed.
///
/// Threading: `set` is called from the engine thread only (engine callbacks), so no lock is needed.
final class ScoreCollector<Value>: @unchecked Sendable {
    private var values: [Value?]
    private var remaining: Int
    private var done = false
    private let onDone: (Result<[Value], EngineError>) -> Void

    init(count: Int, onDone: @escaping (Result<[Value], EngineError>) -> Void) {
        values = Array(repeating: nil, count: count)
        remaining = count
        self.onDone = onDone
    }

    func set(_ index: Int, _ outcome: Result<Value, EngineError>) {
        guard !done else { return }
        switch outcome {
        case .failure(let error):
            done = true
            onDone(.failure(error))
        case .success(let value):
            values[index] = value
            remaining -= 1
            if remaining == 0 {
                done = true
                onDone(.success(values.map { $0! }))
            }
        }
    }
}
