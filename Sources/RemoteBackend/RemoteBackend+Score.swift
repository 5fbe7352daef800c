import Foundation
import JSON
import Tasks

extension RemoteBackend {
    /// Scores each continuation after the prompt by the total log-probability of its tokens. How the engine gives
    /// prompt log-probabilities is probed once (`PromptScoring`); an engine that gives none fails the request with
    /// an error naming the missing capability. The metrics count the tokens the engine echoed or was forced.
    public func score(
        _ request: ScoringRequest, onFinish: @escaping @Sendable (Result<ContinuationScores, TaskError>) -> Void
    ) -> any Cancellable {
        guard let call = makeCall(onFinish: onFinish) else { return Finished() }
        let prompt = sized(request.prompt).text
        let started = DispatchTime.now()
        promptScoring(call: call) { [self] scoring in
            let collector = ScoreCollector<(Double, Int)>(count: request.continuations.count) { outcome in
                call.finish(outcome.map { scored in
                    let tokens = scored.reduce(0) { $0 + $1.1 }
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
                    return ContinuationScores(logprobs: scored.map(\.0),
                                              metrics: TaskMetrics(promptTokens: tokens, computedTokens: tokens,
                                                                   firstTokenMs: ms, totalMs: ms))
                })
            }
            for (index, continuation) in request.continuations.enumerated() {
                let scored: @Sendable (Result<(Double, Int), TaskError>) -> Void = { collector.set(index, $0) }
                switch scoring {
                case .echo: scoreEchoed(prompt: prompt, label: continuation, call: call, done: scored)
                case .forced: scoreForced(prompt: prompt, label: continuation, call: call, done: scored)
                }
            }
        }
        return call
    }

    /// One label's log-probability from its echoed prompt: a single request.
    private func scoreEchoed(prompt: String, label: String, call: RemoteCall<ContinuationScores>,
                             done: @escaping @Sendable (Result<(Double, Int), TaskError>) -> Void) {
        let body: JSONValue = .object(JSONObject([
            ("model", .string(endpoint.model)), ("prompt", .string(prompt + label)), ("max_tokens", .int(1)),
            ("temperature", .number(0)), ("echo", true), ("logprobs", .int(1)),
        ]))
        requestJSON(post("completions", body), call: call) { [self] outcome in
            done(outcome.flatMap { reply in
                Self.labelLogprob(reply, promptCharacters: prompt.unicodeScalars.count,
                                  labelCharacters: label.unicodeScalars.count)
                    .mapError { failure($0.description) }
            })
        }
    }

    /// Sends `request` for `call` and parses the reply as JSON.
    ///
    /// These requests only read (scores, tokens), so one whose connection fails before any reply (an engine
    /// restarting, a proxy dropping it) is sent once more; streamed completions are never resent.
    func requestJSON<Value>(_ request: HTTPRequest, call: RemoteCall<Value>, retry: Bool = true,
                            done: @escaping @Sendable (Result<JSONValue, TaskError>) -> Void) {
        let reply = ReplyBuffer()
        let exchange = client.send(request, onData: { reply.append($0) }) { [self] outcome in
            switch outcome {
            case .failure(.transport) where retry && reply.data.isEmpty && !call.isFinished:
                requestJSON(request, call: call, retry: false, done: done)
            case .failure(let error): done(.failure(failure("\(error)")))
            case .success:
                guard let json = try? JSONValue.parse(reply.data) else {
                    return done(.failure(failure(
                        "the reply is not JSON: \(String(decoding: reply.data.prefix(120), as: UTF8.self))")))
                }
                record(error: nil)
                done(.success(json))
            }
        }
        call.attach(exchange)
    }

    /// Why a reply cannot score a label.
    enum ScoreProblem: Error, CustomStringConvertible {
        case missingCapability(String)
        case malformed(String)

        var description: String {
            switch self {
            case .missingCapability(let detail): return RemoteBackend.missingLogprobs(detail)
            case .malformed(let detail): return "the reply is not a completion with log-probabilities: \(detail)"
            }
        }
    }

    static func missingLogprobs(_ detail: String) -> String {
        "the server does not return prompt log-probabilities (\"echo\": true with \"logprobs\"), which zero-shot "
            + "classification needs (\(detail)); use a local classify model or an engine that supports them "
            + "(vLLM, llama.cpp's server, llama-cpp-python)"
    }

    /// The total log-probability of the label's tokens in an echoed reply, and the count of echoed tokens.
    ///
    /// The label's tokens are those whose text offset falls in [prompt end, label end): offsets count Unicode
    /// scalars of the echoed text (Python's string indices); the generated token after the label is not counted.
    /// The first token of a prompt has no log-probability (null).
    static func labelLogprob(_ json: JSONValue, promptCharacters: Int,
                             labelCharacters: Int) -> Result<(Double, Int), ScoreProblem> {
        guard let choice = json["choices"]?[0] else { return .failure(.malformed("no choices[0]")) }
        guard let logprobs = choice["logprobs"], let offsets = logprobs["text_offset"]?.array,
              let values = logprobs["token_logprobs"]?.array, offsets.count == values.count, !values.isEmpty else {
            return .failure(.missingCapability("the reply has no logprobs.token_logprobs"))
        }
        let labelEnd = promptCharacters + labelCharacters
        var total = 0.0, counted = 0, echoed = 0
        for (offset, value) in zip(offsets, values) {
            guard let position = offset.int else { return .failure(.malformed("a text_offset is not an integer")) }
            guard position < labelEnd else { continue }
            echoed += 1
            guard position >= promptCharacters else { continue }
            guard let logprob = value.double else {
                return .failure(.missingCapability("a label token has no log-probability"))
            }
            total += logprob
            counted += 1
        }
        guard counted > 0, echoed > counted else {
            return .failure(.missingCapability("the prompt was not echoed with its tokens"))
        }
        return .success((total, echoed))
    }
}

/// Bytes of one reply as they arrive (on the HTTP client's queue).
final class ReplyBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    func append(_ data: Data) {
        lock.lock()
        bytes.append(data)
        lock.unlock()
    }

    var data: Data {
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }
}
