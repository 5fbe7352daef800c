import JSON
import JSONRPC
import Protocol
import Tasks

extension Server {
    /// `gptls/summarize`: `{textDocument, range?}` or `{text}` -> `{summary, metrics}`.
    func summarize(id: RequestID, _ request: SummarizeRequest, announce: Bool = false) {
        run(id, SummarizeRequest.method) {
            let text = try selectedText(request.target, SummarizeRequest.method)
            let backend = try models.backend()
            let progress = request.workDoneToken
            if let progress { notify(ProgressNotification(token: progress, value: .begin(title: "Summarizing", percentage: 0))) }
            let task = SummaryTask(text: text, maxTokens: settings.summaryMaxTokens, client: sessionID)
            let handle = backend.summarize(task, progress: { [weak self] done, total in
                guard let self, let progress else { return }
                self.notify(ProgressNotification(token: progress, value: .part(done, of: total)))
            }) { [weak self] outcome in
                guard let self else { return }
                if let progress { self.notify(ProgressNotification(token: progress, value: .end)) }
                if announce, case .success(let summary) = outcome { self.showMessage(.info, "Summary: \(summary.text)") }
                self.finish(id, outcome.map { SummarizeResult(summary: $0.text, metrics: $0.metrics).json }
                    .mapError(Server.responseError))
            }
            track(id, method: SummarizeRequest.method, cancel: handle.cancel)
        }
    }

    /// `gptls/classify`: `{textDocument, range?}` or `{text}`, optional `labels` -> `{label, scores, metrics}`.
    func classify(id: RequestID, _ request: ClassifyRequest, announce: Bool = false) {
        run(id, ClassifyRequest.method) {
            let text = try selectedText(request.target, ClassifyRequest.method)
            let backend = try models.backend()
            let task = ClassificationTask(text: text, labels: request.labels, client: sessionID)
            let handle = backend.classify(task) { [weak self] outcome in
                guard let self else { return }
                if announce, case .success(let result) = outcome {
                    let percent = Int((result.scores.first?.probability ?? 0) * 100)
                    self.showMessage(.info, "Classified as \(result.label) (\(percent)%)")
                }
                self.finish(id, outcome.map { result in
                    ClassifyResult(label: result.label,
                                   scores: result.scores.map { LabelScore(label: $0.label, probability: $0.probability) },
                                   metrics: result.metrics).json
                }.mapError(Server.responseError))
            }
            track(id, method: ClassifyRequest.method, cancel: handle.cancel)
        }
    }

    /// `workspace/executeCommand` for `gptls.summarize` and `gptls.classify`: the same as the requests, with the
    /// result also shown to the user (`window/showMessage`), since a client without a plugin shows nothing else.
    func executeCommand(id: RequestID, _ request: ExecuteCommandRequest) {
        switch request.invocation {
        case .summarize(let summarize): self.summarize(id: id, summarize, announce: true)
        case .classify(let classify): self.classify(id: id, classify, announce: true)
        }
    }

    /// `textDocument/codeAction`: "Summarize selection" and "Classify selection" for a non-empty selection.
    func codeActions(_ request: CodeActionRequest) -> [CodeAction] {
        guard let document = documents[request.textDocument.uri],
              document.offset(of: request.range.start, encoding: encoding)
                < document.offset(of: request.range.end, encoding: encoding) else { return [] }
        let target = TaskTarget.document(request.textDocument, range: request.range)
        return ServerCommand.allCases.map { CodeAction($0, on: target) }
    }

    /// `gptls/status`: this session's documents, requests and backend figures; the process's connections and memory.
    func status() -> StatusResult {
        publish()
        return StatusResult(documents: documents.count, pendingRequests: pending.count, positionEncoding: encoding,
                            models: models.status(), completionFeedback: completionFeedback,
                            completionCache: CompletionCacheStatus(entries: completionCache.count,
                                                                   hits: completionCache.hits,
                                                                   prefetching: prefetches.count),
                            connections: sessions.all.map { connection in
                                var connection = connection
                                connection.current = connection.id == sessionID
                                return connection
                            },
                            residentBytes: ProcessMemory.residentBytes(), backendsLoaded: models.pool.loadedCount,
                            memoryLimit: settings.memoryLimit.map { ($0.bytes, $0.source) })
    }

    /// The text a task works on: `text`, or a document with an optional `range` (the whole document without one).
    private func selectedText(_ target: TaskTarget, _ method: String) throws -> String {
        switch target {
        case .text(let text):
            // A text is held like a document while its task runs: the same limit keeps it bounded.
            let size = text.utf8.count
            guard size <= limits.maximumDocumentBytes else {
                throw ResponseError(.invalidParams, "\(method): text is \(size) bytes, above the limit of "
                                    + "\(DocumentLimitError.shown(limits.maximumDocumentBytes)) per document",
                                    data: ["reason": "textTooLarge", "bytes": .int(size),
                                           "limit": .int(limits.maximumDocumentBytes)])
            }
            return text
        case .document(let identifier, let range):
            let document = try document(identifier, method)
            guard let range else { return document.text }
            let start = document.offset(of: range.start, encoding: encoding)
            let end = max(start, document.offset(of: range.end, encoding: encoding))
            return String(decoding: document.bytes[start..<end], as: UTF8.self)
        }
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
}
