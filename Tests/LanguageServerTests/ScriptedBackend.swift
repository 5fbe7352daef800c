import Dispatch
import Foundation
import Tasks

/// A backend whose answers a test scripts: what each task returns, after how long, and what it saw.
///
/// Answers come on a queue of their own after `delay`, as a real backend's would; a cancelled task answers
/// `.cancelled` (once), like the engine does.
final class ScriptedBackend: TaskBackend, @unchecked Sendable {
    private let lock = NSLock()
    private let queue = DispatchQueue(label: "scripted-backend")

    // Set by the test before requests arrive; read under `lock`.
    var delay: Double = 0
    var completion: Result<String, TaskError> = .success("completion")
    /// What a prefetch returns, and after how long (`CompletionTask.speculative`); `completion` and `delay` if nil.
    var prefetchCompletion: Result<String, TaskError>?
    var prefetchDelay: Double?
    var summaryParts = 1
    var classification = Classification(labels: ["a", "b"], logits: [2, 1], metrics: TaskMetrics())
    var status = BackendStatus()

    // What the server asked for; read under `lock`.
    /// Completions a user asked for.
    private(set) var completions: [CompletionTask] = []
    /// Completions computed ahead of a suggestion's acceptance (`CompletionTask.speculative`).
    private(set) var prefetches: [CompletionTask] = []
    private(set) var classifications: [ClassificationTask] = []
    private(set) var cancellations = 0
    private(set) var isShutDown = false

    /// The metrics every scripted result carries, so a test can see them come through.
    static let metrics = TaskMetrics(promptTokens: 12, reusedTokens: 10, computedTokens: 2, generatedTokens: 3,
                                     queuedMs: 0.5, firstTokenMs: 1.25, totalMs: 2.125)

    func complete(_ task: CompletionTask,
                  onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        let (handle, outcome, wait) = locked { () -> (ScriptedTask, Result<String, TaskError>, Double) in
            guard task.speculative else {
                completions.append(task)
                return (ScriptedTask(backend: self), completion, delay)
            }
            prefetches.append(task)
            return (ScriptedTask(backend: self), prefetchCompletion ?? completion, prefetchDelay ?? delay)
        }
        // The stop rule is the server's: apply it to the scripted text as a backend applies it to each token.
        let text = outcome.map { text in
            var kept = ""
            for character in text {
                kept.append(character)
                if task.stop(kept) { break }
            }
            return TextResult(text: kept, metrics: Self.metrics)
        }
        answer(handle, after: wait) { cancelled in onFinish(cancelled ? .failure(.cancelled) : text) }
        return handle
    }

    func summarize(_ task: SummaryTask, progress: @escaping @Sendable (Int, Int) -> Void,
                   onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        let handle = ScriptedTask(backend: self)
        let parts = locked { summaryParts }
        answer(handle, after: locked { delay }) { cancelled in
            if cancelled { return onFinish(.failure(.cancelled)) }
            for part in 1...parts { progress(part, parts) }
            onFinish(.success(TextResult(text: "summary of \(task.text.count) characters", metrics: Self.metrics)))
        }
        return handle
    }

    func classify(_ task: ClassificationTask,
                  onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void) -> any Cancellable {
        let (handle, result) = locked { () -> (ScriptedTask, Classification) in
            classifications.append(task)
            return (ScriptedTask(backend: self), classification)
        }
        answer(handle, after: delay) { cancelled in onFinish(cancelled ? .failure(.cancelled) : .success(result)) }
        return handle
    }

    func shutdown() {
        locked { isShutDown = true }
    }

    /// Runs `finish` after `delay`, telling it whether the task was cancelled by then: a cancelled task still
    /// reports (`.cancelled`), the way the engine answers a cancelled job, and the server must not reply twice.
    private func answer(_ handle: ScriptedTask, after delay: Double,
                        _ finish: @escaping @Sendable (_ cancelled: Bool) -> Void) {
        queue.asyncAfter(deadline: .now() + delay) { finish(handle.isCancelled) }
    }

    fileprivate func noteCancellation() {
        locked { cancellations += 1 }
    }

    /// Reads what the server asked for, consistently with the backend's own threads.
    func read<T>(_ body: (ScriptedBackend) -> T) -> T {
        locked { body(self) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// The handle of one scripted task.
private final class ScriptedTask: Cancellable, @unchecked Sendable {
    private weak var backend: ScriptedBackend?
    private let lock = NSLock()
    private var cancelled = false

    init(backend: ScriptedBackend) {
        self.backend = backend
    }

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
        backend?.noteCancellation()
    }
}
