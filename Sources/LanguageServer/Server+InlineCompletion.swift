import Dispatch
import JSON
import JSONRPC
import Tasks

extension Server {
    /// `textDocument/inlineCompletion` (LSP 3.18): ghost text at the cursor.
    func inlineCompletion(id: RequestID, params: JSONValue?) {
        generateCompletion(id: id, params: params, method: "textDocument/inlineCompletion") { text, range, metrics in
            let items: [JSONValue] = text.map { [["insertText": .string($0), "range": LSPParams.json(range)]] } ?? []
            return ["items": .array(items), "metrics": metrics]
        }
    }

    /// `textDocument/completion`: the same generation as one completion item, for clients without inline completion.
    func completion(id: RequestID, params: JSONValue?) {
        generateCompletion(id: id, params: params, method: "textDocument/completion") { text, range, metrics in
            guard let text else { return ["isIncomplete": true, "items": []] }
            let label = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
            return [
                "isIncomplete": true,
                "items": [[
                    "label": .string(label.trimmingLeadingWhitespace()),
                    "kind": 1,
                    "detail": "gptls",
                    "insertTextFormat": 1,
                    "textEdit": ["range": LSPParams.json(range), "newText": .string(text)],
                    "data": ["metrics": metrics],
                ]],
            ]
        }
    }

    /// Shared by both completion methods: prompt from the text before the cursor, stop rules from the text around it.
    private func generateCompletion(id: RequestID, params: JSONValue?, method: String,
                                    result: @escaping @Sendable (String?, Range, JSONValue) -> JSONValue) {
        run(id, method) {
            let params = try LSPParams.object(params, method)
            let document = try document(params, method)
            let position = try LSPParams.position(params["position"], "\(method): position")
            let backend = try models.backend()
            let offset = document.offset(of: position, encoding: encoding)
            let cursor = document.position(of: offset, encoding: encoding)
            let lineStart = document.offset(of: Position(line: cursor.line, character: 0), encoding: encoding)
            let lineEnd = document.contentEnd(ofLine: cursor.line)
            let bytes = document.bytes
            let rules = CompletionRules(mode: settings.completionMode,
                                        linePrefix: String(decoding: bytes[lineStart..<offset], as: UTF8.self),
                                        lineSuffix: String(decoding: bytes[offset..<lineEnd], as: UTF8.self))
            let task = CompletionTask(
                documentKey: document.uri, prefix: String(decoding: bytes[..<offset], as: UTF8.self),
                maxTokens: settings.maxTokens, temperature: settings.temperature,
                deadline: .now() + .milliseconds(settings.deadlineMs),
                stop: { rules.cut($0) != nil })
            let range = Range(start: cursor, end: cursor)
            let handle = backend.complete(task) { [weak self] outcome in
                self?.finish(id, outcome.map { completion in
                    result(rules.finish(completion.text), range, Server.json(completion.metrics))
                }.mapError(Server.responseError))
            }
            track(id, method: method, cancel: handle.cancel)
        }
    }

    /// The `metrics` object every task result carries.
    static func json(_ metrics: TaskMetrics) -> JSONValue {
        [
            "promptTokens": .int(metrics.promptTokens),
            "reusedTokens": .int(metrics.reusedTokens),
            "computedTokens": .int(metrics.computedTokens),
            "generatedTokens": .int(metrics.generatedTokens),
            "queuedMs": .number(metrics.queuedMs.rounded(toPlaces: 2)),
            "firstTokenMs": .number(metrics.firstTokenMs.rounded(toPlaces: 2)),
            "totalMs": .number(metrics.totalMs.rounded(toPlaces: 2)),
        ]
    }

    /// How an engine failure reaches the client.
    static func responseError(_ error: TaskError) -> ResponseError {
        switch error {
        case .cancelled: return ResponseError(.requestCancelled, error.description)
        case .superseded: return ResponseError(.serverCancelled, error.description)
        case .busy(let queued, let limit):
            return ResponseError(.requestFailed, error.description,
                                 data: ["reason": "busy", "queued": .int(queued), "limit": .int(limit)])
        case .tooLargeForCache(let needed, let capacity):
            return ResponseError(.requestFailed, error.description,
                                 data: ["reason": "cache", "blocksNeeded": .int(needed), "capacity": .int(capacity)])
        default: return ResponseError(.requestFailed, error.description)
        }
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}

extension String {
    func trimmingLeadingWhitespace() -> String { String(drop { $0.isWhitespace }) }
}
