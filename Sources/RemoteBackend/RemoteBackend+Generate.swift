import Dispatch
import Foundation
import JSON
import Tasks

extension RemoteBackend {
    /// Continues `request.prompt` on the engine, streamed: the stop rule is asked as text arrives, and the request is
    /// closed as soon as it fires, when the deadline passes (keeping what arrived), on cancel or on supersede.
    public func generate(_ request: GenerationRequest,
                         onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        guard let call = makeCall(supersedeKey: request.supersedeKey, onFinish: onFinish) else { return Finished() }
        let prompt = sized(request.prompt)
        let stream = StreamState(started: .now(), prompt: prompt)
        let end: @Sendable (Result<TextResult, TaskError>) -> Void = { if stream.claim() { call.finish($0) } }
        if let deadline = request.deadline { call.schedule(at: deadline) { end(.success(stream.result())) } }
        let body: JSONValue = .object(JSONObject([
            ("model", .string(endpoint.model)), ("prompt", .string(prompt.text)),
            ("max_tokens", .int(request.maxTokens)), ("temperature", .number(request.temperature)), ("stream", true),
            // Greedy means the model's own argmax: no repetition penalty (llama.cpp's servers default to one).
            ("repeat_penalty", .number(1.0)),
        ]))
        let exchange = client.send(post("completions", body), onData: { [self] data in
            for event in stream.events.feed(data) {
                guard !stream.isClaimed, !call.isFinished else { return }
                if event == "[DONE]" {
                    record(error: nil)
                    return end(.success(stream.result()))
                }
                switch Self.streamedText(event) {
                case .failure(let problem): return end(.failure(failure(problem.cause)))
                case .success(let (text, done)):
                    stream.append(text)
                    if done {
                        record(error: nil)
                        return end(.success(stream.result()))
                    }
                    if request.stop(stream.text) { return end(.success(stream.result())) }
                }
            }
        }, onFinish: { [self] outcome in
            guard !stream.isClaimed else { return }
            switch outcome {
            case .failure(let error): end(.failure(failure("\(error)")))
            case .success:
                // The body ended without the end of the reply: a cut stream, not a result.
                end(.failure(failure("the stream ended before the reply was complete")))
            }
        })
        call.attach(exchange)
        return call
    }

    /// The text of one streamed event, and whether it ends the reply (a finish reason); or why it is unusable.
    static func streamedText(_ event: String) -> Result<(String, Bool), StreamProblem> {
        guard let json = try? JSONValue.parse(event) else {
            return .failure(StreamProblem("the stream holds an event that is not JSON: \(event.prefix(120))"))
        }
        if let error = json["error"] {
            return .failure(StreamProblem("the server reported an error: \(error["message"]?.string ?? error.jsonText)"))
        }
        guard let choice = json["choices"]?[0], let text = choice["text"]?.string else {
            return .failure(StreamProblem("the stream holds an event without choices[0].text: \(event.prefix(120))"))
        }
        let done = choice["finish_reason"].map { !$0.isNull } ?? false
        return .success((text, done))
    }
}

/// What a streamed completion has produced so far. Touched only on the HTTP client's queue and, once, by the call
/// that finishes it; the lock keeps a deadline's read consistent.
final class StreamState: @unchecked Sendable {
    private let lock = NSLock()
    var events = ServerSentEvents()
    private(set) var text = ""
    private var pieces = 0
    private let started: DispatchTime
    private var firstPiece: DispatchTime?

    private var claimed = false

    private let promptCount: Int
    private let promptUnit: TaskMetrics.PromptUnit
    /// The engine's own prompt counts in its tokens (prompt, reused from its cache), where it reports them.
    private var counts: (prompt: Int, reused: Int)?
    var engineCounts: (prompt: Int, reused: Int)? {
        get { lock.lock(); defer { lock.unlock() }; return counts }
        set { lock.lock(); counts = newValue; lock.unlock() }
    }

    init(started: DispatchTime, prompt: SizedPrompt) {
        self.started = started
        promptCount = prompt.count
        promptUnit = prompt.unit
    }

    /// True for the first caller only: the one that delivers the stream's outcome.
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if claimed { return false }
        claimed = true
        return true
    }

    var isClaimed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return claimed
    }

    func append(_ piece: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !piece.isEmpty else { return }
        if firstPiece == nil { firstPiece = .now() }
        text += piece
        pieces += 1
    }

    /// The text so far with figures: each streamed piece counts as one generated token (the engines send one per
    /// token); the prompt is counted in the unit of its `SizedPrompt`.
    func result() -> TextResult {
        lock.lock()
        defer { lock.unlock() }
        func ms(_ time: DispatchTime) -> Double { Double(time.uptimeNanoseconds - started.uptimeNanoseconds) / 1e6 }
        let now = DispatchTime.now()
        var metrics = TaskMetrics(promptTokens: promptCount, computedTokens: promptCount,
                                  generatedTokens: pieces, firstTokenMs: ms(firstPiece ?? now), totalMs: ms(now))
        metrics.promptUnit = promptUnit
        if let counts {
            metrics.promptTokens = counts.prompt
            metrics.reusedTokens = counts.reused
            metrics.computedTokens = counts.prompt - counts.reused
            metrics.promptUnit = .tokens
        }
        return TextResult(text: text, metrics: metrics)
    }
}

/// Why a streamed event is unusable, as a sentence.
struct StreamProblem: Error {
    let cause: String
    init(_ cause: String) { self.cause = cause }
}
