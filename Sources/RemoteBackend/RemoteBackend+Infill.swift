import Dispatch
import Foundation
import JSON
import Tasks

/// Whether the engine serves llama.cpp's `/infill`: unknown until the first completion asks it.
enum InfillSupport: Sendable {
    case untried
    case available
    case unavailable
}

extension RemoteBackend {
    /// Characters of workspace context per token of the task's budget, for an engine that counts its own tokens.
    static let contextCharactersPerToken = 3

    /// A completion through llama.cpp's `/infill`, streamed: the engine lays out prefix, suffix and context in its
    /// model's FIM tokens and keeps its own prompt cache (`cache_prompt`). The first one finds out whether the
    /// engine has the endpoint: a refusal (an HTTP error status: no such route, or a model without FIM tokens; or a
    /// reply that is not an /infill stream) is remembered, and that completion and every later one go through `/v1/completions` instead.
    func infill(_ task: CompletionTask,
                onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        let relay = Relay()
        let probing = infillSupport == .untried
        // A probe is registered for supersede like any completion, so a newer completion of the document ends it
        // (two probes may run at once: the newer wins). Its fallback registers the same key only once the probe has
        // finished and left the register, so the fallback does not end its own probe.
        guard let call = makeCall(supersedeKey: task.supersedeKey, onFinish: { [self] (outcome: Result<TextResult, TaskError>) in
            if probing, case .failure(.endpoint(_, let cause)) = outcome, cause.hasPrefix(Self.refusal) {
                infillSupport = .unavailable
                return relay.set(InlineCompletion.run(task, on: self, fim: options.fim, onFinish: onFinish))
            }
            if probing, case .success = outcome { infillSupport = .available }
            onFinish(outcome)
        }) else { return Finished() }
        relay.set(call)
        let (body, characters) = infillBody(task)
        let stream = StreamState(started: .now(),
                                 prompt: SizedPrompt(text: "", count: characters, unit: .characters))
        let end: @Sendable (Result<TextResult, TaskError>) -> Void = { if stream.claim() { call.finish($0) } }
        if let deadline = task.deadline { call.schedule(at: deadline) { end(.success(stream.result())) } }
        var request = post("completions", body)
        request.url = endpoint.rootURL.appendingPathComponent("infill")
        let exchange = client.send(request, onData: { [self] data in
            for event in stream.events.feed(data) {
                guard !stream.isClaimed, !call.isFinished else { return }
                switch Self.infillText(event) {
                case .failure(let problem) where probing:
                    // Something answers there, but not llama.cpp's /infill (a proxy's page, another API).
                    return end(.failure(.endpoint(endpoint.displayURL, cause: "\(Self.refusal) \(problem.cause)")))
                case .failure(let problem): return end(.failure(failure(problem.cause)))
                case .success(let piece):
                    stream.append(piece.text)
                    if let counts = piece.counts { stream.engineCounts = counts }
                    if piece.done {
                        record(error: nil)
                        return end(.success(stream.result()))
                    }
                    if task.stop(stream.text) { return end(.success(stream.result())) }
                }
            }
        }, onFinish: { [self] outcome in
            guard !stream.isClaimed else { return }
            switch outcome {
            case .failure(.status(let code, let body)) where probing:
                end(.failure(.endpoint(endpoint.displayURL,
                                       cause: "\(Self.refusal) HTTP status \(code): \(body.prefix(200))")))
            case .failure(let error): end(.failure(failure("\(error)")))
            case .success: end(.failure(failure("the stream ended before the reply was complete")))
            }
        })
        call.attach(exchange)
        return relay
    }

    /// How a probe's refusal starts its cause, so the probe's own finish can tell it from other failures.
    static let refusal = "the engine does not serve /infill:"

    /// The `/infill` request of `task`, and the characters of text it sends: the end of the prefix and the start of
    /// the suffix in the character limits of `/v1/completions` prompts (3:1), the context chunks within the task's
    /// budget, `n_indent` for the cursor line's indentation (the engine ends a line indented less, as the
    /// multi-line stop rule does), and the time left before the deadline as `t_max_predict_ms`.
    func infillBody(_ task: CompletionTask) -> (JSONValue, Int) {
        let suffixRoom = options.completionCharacters / 4
        let prefix = String(PromptWindow.recentText(task.prefix, characters: options.completionCharacters - suffixRoom))
        let suffix = String(task.suffix.prefix(suffixRoom))
        let kept = task.context.fitting(task.contextTokens * Self.contextCharactersPerToken,
                                        costs: task.context.map(\.text.count))
        let chunks = kept.map { task.context[$0] }
        let extra: [JSONValue] = chunks.map {
            .object(JSONObject([("filename", .string($0.name)), ("text", .string($0.text))]))
        }
        let used = chunks.reduce(0) { $0 + $1.text.count }
        let line = prefix.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
        let indent = line.prefix { $0 == " " || $0 == "\t" }.count
        var members: [(String, JSONValue)] = [
            ("input_prefix", .string(prefix)), ("input_suffix", .string(suffix)), ("input_extra", .array(extra)),
            ("n_predict", .int(task.maxTokens)), ("temperature", .number(task.temperature)),
            ("n_indent", .int(indent)), ("cache_prompt", true), ("stream", true), ("repeat_penalty", .number(1.0)),
        ]
        if let deadline = task.deadline {
            let left = Int((Double(deadline.uptimeNanoseconds) - Double(DispatchTime.now().uptimeNanoseconds)) / 1e6)
            members.append(("t_max_predict_ms", .int(max(1, left))))
        }
        if !endpoint.model.isEmpty { members.append(("model", .string(endpoint.model))) }
        return (.object(JSONObject(members)), prefix.count + suffix.count + used)
    }

    /// One streamed `/infill` event: its text, whether it ends the reply, and the engine's prompt counts (prompt
    /// tokens, of which reused from its cache) where it gives them.
    static func infillText(_ event: String) -> Result<InfillPiece, StreamProblem> {
        guard let json = try? JSONValue.parse(event) else {
            return .failure(StreamProblem("the stream holds an event that is not JSON: \(event.prefix(120))"))
        }
        if let error = json["error"] {
            return .failure(StreamProblem("the server reported an error: \(error["message"]?.string ?? error.jsonText)"))
        }
        guard let text = json["content"]?.string else {
            return .failure(StreamProblem("the stream holds an /infill event without content: \(event.prefix(120))"))
        }
        var counts: (Int, Int)?
        if let timings = json["timings"], let computed = timings["prompt_n"]?.int, let reused = timings["cache_n"]?.int {
            counts = (computed + reused, reused)
        }
        return .success(InfillPiece(text: text, done: json["stop"]?.bool ?? false, counts: counts))
    }
}

/// One streamed `/infill` event.
struct InfillPiece {
    var text: String
    var done: Bool
    /// Prompt tokens and those reused from the engine's cache.
    var counts: (prompt: Int, reused: Int)?
}

/// The cancellable a caller holds while its work moves from one request to another (a refused `/infill` probe to
/// its fallback): cancelling it cancels the current one, and one set after a cancel is cancelled at once.
final class Relay: Cancellable, @unchecked Sendable {
    private let lock = NSLock()
    private var current: (any Cancellable)?
    private var cancelled = false

    func set(_ next: any Cancellable) {
        lock.lock()
        current = next
        let cancelNow = cancelled
        lock.unlock()
        if cancelNow { next.cancel() }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let current = self.current
        lock.unlock()
        current?.cancel()
    }
}
