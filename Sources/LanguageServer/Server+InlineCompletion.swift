import Dispatch
import JSON
import JSONRPC
import Protocol
import Tasks

extension Server {
    /// `textDocument/inlineCompletion` (LSP 3.18): ghost text at the cursor.
    func inlineCompletion(id: RequestID, _ request: InlineCompletionRequest) {
        generateCompletion(id: id, request) { text, cursor, metrics in
            InlineCompletionList(text: text, at: cursor, metrics: metrics).json
        }
    }

    /// `textDocument/completion`: the same generation as one completion item, for clients without inline completion.
    func completion(id: RequestID, _ request: CompletionRequest) {
        generateCompletion(id: id, request) { text, cursor, metrics in
            CompletionList(text: text, at: cursor, metrics: metrics).json
        }
    }

    /// Shared by both completion methods: prompt from the text before the cursor, stop rules from the text around it.
    private func generateCompletion<Request: TextDocumentPositionRequest>(
        id: RequestID, _ request: Request,
        result: @escaping @Sendable (_ text: String?, _ cursor: Position, TaskMetrics) -> JSONValue
    ) {
        run(id, Request.method) {
            let document = try document(request.textDocument, Request.method)
            let backend = try models.backend()
            lastCompletionModel = Server.feedbackKey(settings.modelPath(for: .completion))
            let offset = document.offset(of: request.position, encoding: encoding)
            let cursor = document.position(of: offset, encoding: encoding)
            let lineStart = document.offset(of: Position(line: cursor.line, character: 0), encoding: encoding)
            let lineEnd = document.contentEnd(ofLine: cursor.line)
            let bytes = document.bytes
            let rules = CompletionRules(mode: settings.completionMode,
                                        linePrefix: String(decoding: bytes[lineStart..<offset], as: UTF8.self),
                                        lineSuffix: String(decoding: bytes[offset..<lineEnd], as: UTF8.self))
            let suffixEnd = WorkspaceContext.offset(ofLine: cursor.line + Server.suffixLines, in: document)
            let context = settings.context
                ? workspace.chunks(for: document, line: cursor.line, documents: documents,
                                   characters: settings.contextBudget * WorkspaceContext.charactersPerToken)
                : []
            let task = CompletionTask(
                documentKey: document.uri, prefix: String(decoding: bytes[..<offset], as: UTF8.self),
                maxTokens: settings.maxTokens, temperature: settings.temperature,
                deadline: .now() + .milliseconds(settings.deadlineMs),
                stop: { rules.cut($0) != nil }, client: sessionID,
                suffix: String(decoding: bytes[offset..<max(offset, suffixEnd)], as: UTF8.self),
                context: context, contextTokens: settings.context ? settings.contextBudget : 0)
            let handle = backend.complete(task) { [weak self] outcome in
                self?.finish(id, outcome.map { completion in
                    result(rules.finish(completion.text), cursor, completion.metrics)
                }.mapError(Server.responseError))
            }
            track(id, method: Request.method, cancel: handle.cancel)
        }
    }

    /// Lines after the cursor a fill-in-the-middle prompt may show (llama.vim sends 64 too).
    static let suffixLines = 64

    /// How a backend failure reaches the client.
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
        case .endpoint(let endpoint, let cause):
            return ResponseError(.requestFailed, error.description,
                                 data: ["reason": "endpoint", "endpoint": .string(endpoint), "cause": .string(cause)])
        case .failed: return ResponseError(.requestFailed, error.description)
        }
    }
}
