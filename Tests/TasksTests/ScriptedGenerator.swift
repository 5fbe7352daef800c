import Foundation
import Tasks

/// A generator that answers as a test scripts it and records every request, for the task logic written once in
/// `Tasks`. It generates its scripted pieces one at a time and asks the request's stop rule after each, as a backend
/// does with tokens; a reply can also be held until the test releases it.
final class ScriptedGenerator: Generator, @unchecked Sendable {
    /// What one generation produces: pieces (one "token" each), or a failure.
    enum Reply {
        case pieces([String])
        case failure(TaskError)
    }

    let measure: PromptMeasure
    private let lock = NSLock()
    private var replies: [Reply]
    private var scores: Result<[Double], TaskError>
    private var holding = false
    private var held: [() -> Void] = []
    private(set) var generations: [GenerationRequest] = []
    private(set) var scorings: [ScoringRequest] = []
    /// Requests cancelled by the task, by their index in `generations`.
    private(set) var cancelled: Set<Int> = []

    init(measure: PromptMeasure, replies: [Reply] = [], scores: Result<[Double], TaskError> = .success([])) {
        self.measure = measure
        self.replies = replies
        self.scores = scores
    }

    /// Replies wait until `release` (to cancel a task while a request is in flight).
    func hold() {
        lock.lock()
        holding = true
        lock.unlock()
    }

    /// Sends the held replies, in order.
    func release() {
        lock.lock()
        holding = false
        let waiting = held
        held = []
        lock.unlock()
        waiting.forEach { $0() }
    }

    func generate(_ request: GenerationRequest,
                  onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        lock.lock()
        let index = generations.count
        generations.append(request)
        let reply = replies.isEmpty ? .pieces([]) : replies.removeFirst()
        lock.unlock()
        let handle = Request { [weak self] in
            self?.lock.lock()
            self?.cancelled.insert(index)
            self?.lock.unlock()
        }
        deliver {
            switch reply {
            case .failure(let error): onFinish(.failure(error))
            case .pieces(let pieces):
                var text = ""
                var generated = 0
                for piece in pieces.prefix(request.maxTokens) {
                    text += piece
                    generated += 1
                    if request.stop(text) { break }
                }
                var metrics = TaskMetrics(promptTokens: Self.length(request.prompt), generatedTokens: generated)
                metrics.promptUnit = self.measure.unit
                onFinish(.success(TextResult(text: text, metrics: metrics)))
            }
        }
        return handle
    }

    func score(_ request: ScoringRequest,
               onFinish: @escaping @Sendable (Result<ContinuationScores, TaskError>) -> Void) -> any Cancellable {
        lock.lock()
        scorings.append(request)
        let scores = self.scores
        lock.unlock()
        deliver {
            onFinish(scores.map { ContinuationScores(logprobs: $0, metrics: TaskMetrics(promptTokens: 7)) })
        }
        return Request {}
    }

    private func deliver(_ reply: @escaping () -> Void) {
        lock.lock()
        if holding {
            held.append(reply)
            return lock.unlock()
        }
        lock.unlock()
        reply()
    }

    /// A prompt's length: its tokens, or its characters.
    static func length(_ prompt: Prompt) -> Int {
        switch prompt {
        case .tokens(let tokens): return tokens.count
        case .text(let text): return text.count
        }
    }

    /// One scripted request's handle.
    final class Request: Cancellable, @unchecked Sendable {
        private let onCancel: () -> Void
        init(onCancel: @escaping () -> Void) { self.onCancel = onCancel }
        func cancel() { onCancel() }
    }
}
