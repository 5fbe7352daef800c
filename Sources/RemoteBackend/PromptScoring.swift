import Foundation
import JSON
import Tasks

/// How an engine gives the log-probability of chosen tokens after a prompt, found by one probe per backend.
enum PromptScoring: Sendable {
    /// Echoed prompt tokens carry the log-probability of each token given the tokens before it (vLLM, llama.cpp's
    /// server): one request per label.
    case echo
    /// Echoed log-probabilities are shifted by one position: each token is scored by the distribution after it
    /// (llama-cpp-python). Each label token is then forced as the next token with `logit_bias`, and its raw
    /// log-probability read from the generated token: one request per label token.
    case forced
}

extension RemoteBackend {
    /// The engine's way of scoring prompts, probed on first use: an echoed, greedy one-token completion of a fixed
    /// prompt. Where the last echoed position's most likely token is the token generated after it, the echo is
    /// shifted (a correct echo lists there the distribution that predicted the last prompt token).
    func promptScoring(call: RemoteCall<ContinuationScores>, then: @escaping @Sendable (PromptScoring) -> Void) {
        if let known = scoring {
            switch known {
            case .success(let mode): return then(mode)
            case .failure(let error): return call.finish(.failure(error))
            }
        }
        let prompt = "The quick brown fox jumps over the lazy dog. The"
        let body: JSONValue = .object(JSONObject([
            ("model", .string(endpoint.model)), ("prompt", .string(prompt)), ("max_tokens", .int(1)),
            ("temperature", .number(0)), ("echo", true), ("logprobs", .int(1)),
        ]))
        requestJSON(post("completions", body), call: call) { [self] outcome in
            switch outcome {
            case .failure(let error): call.finish(.failure(error))
            case .success(let reply):
                let choice = reply["choices"]?[0]
                guard let logprobs = choice?["logprobs"], let top = logprobs["top_logprobs"]?.array,
                      let last = top.last, case .object(let candidates) = last,
                      let text = choice?["text"]?.string, text.hasPrefix(prompt) else {
                    let error = failure(Self.missingLogprobs("the reply has no logprobs.top_logprobs"))
                    scoring = .failure(error)
                    return call.finish(.failure(error))
                }
                let generated = String(text.dropFirst(prompt.count))
                let best = candidates.members.max { ($0.value.double ?? -.infinity) < ($1.value.double ?? -.infinity) }
                let mode: PromptScoring = !generated.isEmpty && best?.key == generated ? .forced : .echo
                scoring = .success(mode)
                then(mode)
            }
        }
    }

    /// One label's log-probability with each of its tokens forced in turn (see `PromptScoring.forced`).
    func scoreForced(prompt: String, label: String, call: RemoteCall<ContinuationScores>,
                     done: @escaping @Sendable (Result<(Double, Int), TaskError>) -> Void) {
        requestJSON(postToRoot("extras/tokenize", ["input": .string(label)]), call: call) { [self] outcome in
            guard case .success(let reply) = outcome, let ids = reply["tokens"]?.array?.compactMap(\.int),
                  !ids.isEmpty else {
                return done(.failure(failure("the server shifts echoed log-probabilities by one token and has no "
                    + "/extras/tokenize to score labels token by token; zero-shot classification needs one of them")))
            }
            forceTokens(ids, from: 0, prompt: prompt, total: 0, call: call, done: done)
        }
    }

    private func forceTokens(_ ids: [Int], from index: Int, prompt: String, total: Double,
                             call: RemoteCall<ContinuationScores>,
                             done: @escaping @Sendable (Result<(Double, Int), TaskError>) -> Void) {
        guard index < ids.count else { return done(.success((total, ids.count))) }
        let score: @Sendable (String) -> Void = { [self] context in
            let body: JSONValue = .object(JSONObject([
                ("model", .string(endpoint.model)), ("prompt", .string(context)), ("max_tokens", .int(1)),
                ("temperature", .number(0)), ("logprobs", .int(1)),
                ("logit_bias", .object(JSONObject([(String(ids[index]), .number(100))]))),
            ]))
            requestJSON(post("completions", body), call: call) { [self] outcome in
                switch outcome {
                case .failure(let error): done(.failure(error))
                case .success(let reply):
                    guard let logprob = reply["choices"]?[0]?["logprobs"]?["token_logprobs"]?[0]?.double else {
                        return done(.failure(failure(Self.missingLogprobs("a forced token came back without one"))))
                    }
                    forceTokens(ids, from: index + 1, prompt: prompt, total: total + logprob, call: call, done: done)
                }
            }
        }
        guard index > 0 else { return score(prompt) }
        // The label's first tokens as the engine's tokenizer writes them, after the prompt.
        requestJSON(postToRoot("extras/detokenize", ["tokens": .array(ids[..<index].map { .int($0) })]),
                    call: call) { [self] outcome in
            guard case .success(let reply) = outcome, let text = reply["text"]?.string else {
                return done(.failure(failure("the server has no /extras/detokenize to score a label token by token")))
            }
            score(prompt + text)
        }
    }

    /// A POST to `path` beside the API (llama-cpp-python's `/extras/...` live above `/v1`).
    private func postToRoot(_ path: String, _ body: JSONObject) -> HTTPRequest {
        var request = post("", .object(body))
        var root = endpoint.baseURL
        if root.lastPathComponent == "v1" { root.deleteLastPathComponent() }
        request.url = root.appendingPathComponent(path)
        return request
    }
}
