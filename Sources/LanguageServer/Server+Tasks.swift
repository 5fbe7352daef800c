import JSON
import JSONRPC
import Tasks

/// The commands of `workspace/executeCommand`, offered through code actions to clients without a gptls plugin.
enum Command: String, CaseIterable {
    case summarize = "gptls.summarize"
    case classify = "gptls.classify"
}

extension Server {
    /// `gptls/summarize`: `{textDocument, range?}` or `{text}` -> `{summary, metrics}`.
    func summarize(id: RequestID, params: JSONValue?, announce: Bool = false) {
        run(id, "gptls/summarize") {
            let params = try LSPParams.object(params, "gptls/summarize")
            let text = try selectedText(params, "gptls/summarize")
            let backend = try models.backend()
            let progress = params["workDoneToken"].flatMap { token in
                token.string != nil || token.int != nil ? token : nil
            }
            if let progress { beginProgress(progress, title: "Summarizing") }
            let handle = backend.summarize(SummaryTask(text: text, maxTokens: settings.summaryMaxTokens), progress: { [weak self] done, total in
                guard let self, let progress else { return }
                self.reportProgress(progress, done: done, total: total)
            }) { [weak self] outcome in
                guard let self else { return }
                if let progress { self.endProgress(progress) }
                if announce, case .success(let summary) = outcome { self.showMessage(.info, "Summary: \(summary.text)") }
                self.finish(id, outcome.map { ["summary": .string($0.text), "metrics": Server.json($0.metrics)] }
                    .mapError(Server.responseError))
            }
            track(id, method: "gptls/summarize", cancel: handle.cancel)
        }
    }

    /// `gptls/classify`: `{textDocument, range?}` or `{text}`, optional `labels` -> `{label, scores, metrics}`.
    func classify(id: RequestID, params: JSONValue?, announce: Bool = false) {
        run(id, "gptls/classify") {
            let params = try LSPParams.object(params, "gptls/classify")
            let text = try selectedText(params, "gptls/classify")
            var labels: [String]?
            if let raw = params["labels"], !raw.isNull {
                guard let list = raw.array?.compactMap(\.string), list.count == raw.array?.count, !list.isEmpty,
                      Set(list).count == list.count else {
                    throw ResponseError(.invalidParams, "gptls/classify: labels must be a non-empty array of distinct strings")
                }
                labels = list
            }
            let backend = try models.backend()
            let handle = backend.classify(ClassificationTask(text: text, labels: labels)) { [weak self] outcome in
                guard let self else { return }
                if announce, case .success(let result) = outcome {
                    let percent = Int((result.scores.first?.probability ?? 0) * 100)
                    self.showMessage(.info, "Classified as \(result.label) (\(percent)%)")
                }
                self.finish(id, outcome.map { result in
                    [
                        "label": .string(result.label),
                        "scores": .array(result.scores.map {
                            ["label": .string($0.label), "probability": .number($0.probability)]
                        }),
                        "metrics": Server.json(result.metrics),
                    ]
                }.mapError(Server.responseError))
            }
            track(id, method: "gptls/classify", cancel: handle.cancel)
        }
    }

    /// `workspace/executeCommand` for `gptls.summarize` and `gptls.classify`: the same as the requests, with the
    /// result also shown to the user (`window/showMessage`), since a client without a plugin shows nothing else.
    func executeCommand(id: RequestID, params: JSONValue?) {
        run(id, "workspace/executeCommand") {
            let params = try LSPParams.object(params, "workspace/executeCommand")
            let name = try LSPParams.string(params["command"], "workspace/executeCommand: command")
            guard let command = Command(rawValue: name) else {
                throw ResponseError(.invalidParams, "workspace/executeCommand: unknown command \(name); "
                                    + "gptls offers \(Command.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let argument = params["arguments"]?[0] ?? .null
            switch command {
            case .summarize: summarize(id: id, params: argument, announce: true)
            case .classify: classify(id: id, params: argument, announce: true)
            }
        }
    }

    /// `textDocument/codeAction`: "Summarize selection" and "Classify selection" for a non-empty selection.
    func codeActions(_ params: JSONValue?) throws -> JSONValue {
        let params = try LSPParams.object(params, "textDocument/codeAction")
        let document = try document(params, "textDocument/codeAction")
        let range = try LSPParams.range(params["range"], "textDocument/codeAction: range")
        guard document.offset(of: range.start, encoding: encoding) < document.offset(of: range.end, encoding: encoding)
        else { return [] }
        let argument: JSONValue = ["textDocument": ["uri": .string(document.uri)], "range": LSPParams.json(range)]
        return .array([("Summarize selection", Command.summarize), ("Classify selection", Command.classify)].map {
            title, command in
            ["title": .string(title),
             "command": ["title": .string(title), "command": .string(command.rawValue), "arguments": [argument]]]
        })
    }

    /// `gptls/status`: engine and cache figures.
    func status() -> JSONValue {
        var result: JSONObject = [
            "documents": .int(documents.count),
            "pendingRequests": .int(pending.count),
            "positionEncoding": .string(encoding.rawValue),
        ]
        result["models"] = models.statusJSON()
        return .object(result)
    }

    /// The text a task works on: `text`, or a document with an optional `range` (the whole document without one).
    private func selectedText(_ params: JSONValue, _ method: String) throws -> String {
        if let text = params["text"] {
            guard let string = text.string else { throw ResponseError(.invalidParams, "\(method): text must be a string") }
            return string
        }
        let document = try document(params, method)
        guard let raw = params["range"], !raw.isNull else { return document.text }
        let range = try LSPParams.range(raw, "\(method): range")
        let start = document.offset(of: range.start, encoding: encoding)
        let end = max(start, document.offset(of: range.end, encoding: encoding))
        return String(decoding: document.bytes[start..<end], as: UTF8.self)
    }

    /// Runs a handler that either tracks its request or throws the error to reply with.
    func run(_ id: RequestID, _ method: String, _ body: () throws -> Void) {
        do {
            try body()
        } catch let error as ResponseError {
            reply(id, .failure(error))
        } catch {
            reply(id, .failure(ResponseError(.internalError, "\(method): \(error)")))
        }
    }

    // MARK: - Progress

    private func beginProgress(_ token: JSONValue, title: String) {
        notify("$/progress", ["token": token, "value": ["kind": "begin", "title": .string(title), "percentage": 0]])
    }

    private func reportProgress(_ token: JSONValue, done: Int, total: Int) {
        notify("$/progress", ["token": token, "value": [
            "kind": "report", "message": .string("part \(done) of \(total)"),
            "percentage": .int(total == 0 ? 100 : done * 100 / total),
        ]])
    }

    private func endProgress(_ token: JSONValue) {
        notify("$/progress", ["token": token, "value": ["kind": "end"]])
    }
}
