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

    /// Shared by both completion methods: the rest of a suggestion the user is typing from the completion cache, or
    /// a prompt from the text before the cursor with stop rules from the text around it.
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
                                        lineSuffix: String(decoding: bytes[offset..<lineEnd], as: UTF8.self),
                                        nextLine: Server.nextLine(after: lineEnd, in: bytes))
            if let cached = cachedCompletion(document, offset: offset, rules: rules) {
                reply(id, .success(result(cached.text, cursor, .fromCompletionCache)))
                return prefetch(after: cached.entry)
            }
            cancelPrefetch(document.uri)
            completionRequests += 1
            let serial = completionRequests
            latestCompletion[document.uri] = serial
            let ticket = reserveCompletion(document, offset: offset)
            let task = completionTask(document, prefix: String(decoding: bytes[..<offset], as: UTF8.self),
                                      cursor: offset, line: cursor.line, rules: rules,
                                      deadline: .now() + .milliseconds(settings.deadlineMs))
            let handle = backend.complete(task) { [weak self] outcome in
                guard let self else { return }
                let shown = outcome.map { (text: rules.finish($0.text), metrics: $0.metrics) }
                // Stored before the reply goes out, so a keystroke that follows the reply finds it.
                if let ticket {
                    self.queue.async {
                        self.completionAnswered(ticket, suggestion: shown.map(\.text), uri: document.uri,
                                                request: serial)
                    }
                }
                self.finish(id, shown.map { result($0.text, cursor, $0.metrics) }.mapError(Server.responseError))
            }
            track(id, method: Request.method, cancel: handle.cancel)
        }
    }

    /// The backend task of a completion at the end of `prefix`, with the text of `document` after `cursor` (on
    /// `line`) as its suffix and the workspace context chosen for that line.
    func completionTask(_ document: TextDocument, prefix: String, cursor: Int, line: Int, rules: CompletionRules,
                        deadline: DispatchTime?) -> CompletionTask {
        let suffixEnd = WorkspaceContext.offset(ofLine: line + Server.suffixLines, in: document)
        let context = settings.context
            ? workspace.chunks(for: document, line: line, documents: documents,
                               characters: settings.contextBudget * WorkspaceContext.charactersPerToken)
            : []
        var task = CompletionTask(
            documentKey: document.uri, prefix: prefix, maxTokens: settings.maxTokens,
            temperature: settings.temperature, deadline: deadline, stop: { rules.cut($0) != nil }, client: sessionID,
            suffix: String(decoding: document.bytes[cursor..<max(cursor, suffixEnd)], as: UTF8.self),
            context: context, contextTokens: settings.context ? settings.contextBudget : 0)
        task.copyWeight = settings.copyWeight
        return task
    }

    /// Lines after the cursor a fill-in-the-middle prompt may show (llama.vim sends 64 too).
    static let suffixLines = 64

    /// The first line that is not blank after the line break at or after `offset`, looking at most 64 lines ahead
    /// (what a completion must not repeat); empty when there is none.
    static func nextLine(after offset: Int, in bytes: [UInt8]) -> String {
        var start = offset
        for _ in 0..<64 {
            guard let lineBreak = bytes[start...].firstIndex(where: isLineBreak)
            else { return "" }
            start = lineBreak + 1
            let end = bytes[start...].firstIndex(where: isLineBreak)
                ?? bytes.count
            let line = bytes[start..<end]
            if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) {
                return String(decoding: line, as: UTF8.self)
            }
            start = end
        }
        return ""
    }

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
