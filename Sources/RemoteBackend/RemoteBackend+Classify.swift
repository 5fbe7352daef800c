import Foundation
import JSON
import Tasks

extension RemoteBackend {
    /// Labels `task.text` zero-shot: each label is scored as the response to an instruction prompt by the total
    /// log-probability the engine gives its tokens (`echo` + `logprobs`). An engine that does not return prompt
    /// log-probabilities fails the task with an error that names the missing capability; it is asked once.
    public func classify(_ task: ClassificationTask,
                         onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void) -> any Cancellable {
        guard let call = makeCall(onFinish: onFinish) else { return Finished() }
        if case .failure(let error) = promptLogprobsSupport {
            call.finish(.failure(error))
            return call
        }
        let labels = task.labels ?? PromptFormat.defaultLabels
        guard !labels.isEmpty, !labels.contains(where: \.isEmpty) else {
            call.finish(.failure(.failed("zero-shot classification needs at least one label, and no empty label")))
            return call
        }
        let text = String(task.text.suffix(options.inputCharacters))
        let prompt = PromptFormat.alpaca(instruction: PromptFormat.zeroShotInstruction(labels: labels), input: text)
        let started = DispatchTime.now()
        let scores = ScoreBoard(count: labels.count)
        for (index, label) in labels.enumerated() {
            let body: JSONValue = .object(JSONObject([
                ("model", .string(endpoint.model)), ("prompt", .string(prompt + label)), ("max_tokens", .int(1)),
                ("temperature", .number(0)), ("echo", true), ("logprobs", .int(1)),
            ]))
            var reply = Data()
            let exchange = client.send(post("completions", body), onData: { reply.append($0) }) { [self] outcome in
                switch outcome {
                case .failure(let error): return call.finish(.failure(failure("\(error)")))
                case .success:
                    switch Self.labelLogprob(reply, promptCharacters: prompt.unicodeScalars.count,
                                              labelCharacters: label.unicodeScalars.count) {
                    case .failure(let problem):
                        let error = failure(problem.description)
                        if case .missingCapability = problem { promptLogprobsSupport = .failure(error) }
                        call.finish(.failure(error))
                    case .success(let (logprob, tokens)):
                        record(error: nil)
                        guard let all = scores.set(index, logprob, tokens: tokens) else { return }
                        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
                        call.finish(.success(Classification(
                            labels: labels, logits: all.logprobs,
                            metrics: TaskMetrics(promptTokens: all.tokens, computedTokens: all.tokens,
                                                 firstTokenMs: milliseconds, totalMs: milliseconds))))
                    }
                }
            }
            call.attach(exchange)
        }
        return call
    }

    /// Why a reply cannot score a label.
    enum ScoreProblem: Error, CustomStringConvertible {
        case missingCapability(String)
        case malformed(String)

        var description: String {
            switch self {
            case .missingCapability(let detail):
                return "the server does not return prompt log-probabilities (\"echo\": true with \"logprobs\"), "
                    + "which zero-shot classification needs (\(detail)); use a local classify model or an engine "
                    + "that supports them (llama-cpp-python, vLLM)"
            case .malformed(let detail): return "the reply is not a completion with log-probabilities: \(detail)"
            }
        }
    }

    /// The total log-probability of the label's tokens in an echoed reply, and the count of echoed tokens.
    ///
    /// The label's tokens are those whose text offset falls in [prompt end, label end): offsets count Unicode scalars
    /// of the echoed text (Python's string indices); the generated token after the label is not counted. The first token of a prompt has no
    /// log-probability (null).
    static func labelLogprob(_ reply: Data, promptCharacters: Int,
                             labelCharacters: Int) -> Result<(Double, Int), ScoreProblem> {
        guard let json = try? JSONValue.parse(reply) else {
            return .failure(.malformed("not JSON: \(String(decoding: reply.prefix(120), as: UTF8.self))"))
        }
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

/// Collects one score per label from concurrent replies; the last one in gets them all.
final class ScoreBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var logprobs: [Double?]
    private var tokens = 0

    init(count: Int) { logprobs = Array(repeating: nil, count: count) }

    /// Stores label `index`'s score; returns all scores once every label has one (exactly once).
    func set(_ index: Int, _ logprob: Double, tokens count: Int) -> (logprobs: [Double], tokens: Int)? {
        lock.lock()
        defer { lock.unlock() }
        guard logprobs[index] == nil else { return nil }
        logprobs[index] = logprob
        tokens += count
        let all = logprobs.compactMap { $0 }
        return all.count == logprobs.count ? (all, tokens) : nil
    }
}
