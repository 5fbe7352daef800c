import Dispatch
import Foundation
import JSON
import JSONRPC
import Logging
import Protocol
import Tasks

/// The language server: LSP lifecycle, open documents, configuration, and the requests that become engine jobs.
///
/// Threading: every message is handled on one serial queue (`queue`), in arrival order, so a `didChange` is always
/// applied before a request that follows it. Handlers never block that queue on the model: they submit an engine job
/// and reply from its completion callback (hopped back onto `queue`). Every request gets exactly one reply: requests
/// that outlive their handler are kept in `pending`, and whoever removes one from there (the job's completion, a
/// `$/cancelRequest`, `shutdown`) is the one that replies.
public final class Server: @unchecked Sendable {
    public enum State: Equatable, Sendable {
        case waitingForInitialize
        case running
        case shutDown
    }

    /// What becomes of the process when the server is done with it.
    public enum Termination: Equatable, Sendable {
        /// `exit` after `shutdown`: exit code 0.
        case clean
        /// `exit` without `shutdown`, end of input, or the parent process gone: exit code 1.
        case unexpected(String)
    }

    let queue = DispatchQueue(label: "gptls.server")
    let logger: Logger
    /// This session's identity among the process's sessions; also the `client` of its backend tasks.
    let sessionID: String
    let sessions: SessionRegistry
    private let send: @Sendable (Message) -> Void
    private let onTermination: @Sendable (Termination) -> Void

    // State below is touched on `queue` only.
    var state = State.waitingForInitialize
    var encoding = PositionEncoding.utf16
    var documents: [String: TextDocument] = [:]
    /// Documents refused by `limits`, with why; see `Server+Documents.swift`.
    var refusedDocuments: [String: DocumentLimitError] = [:]
    /// What `documents` cost together, against `limits.maximumOpenBytes`.
    var openDocumentBytes = 0
    /// Chunks of the other open documents and recent edits that completions may show the model.
    var workspace = WorkspaceContext()
    let limits: DocumentLimits
    var settings: Settings
    /// `serverInfo.version`: the package version, with the build's commit where the executable knows it.
    let version: String
    var models: BackendProvider
    var pending: [RequestID: PendingRequest] = [:]
    /// What the clients reported about inline completions, per model; see `Server+Feedback.swift`.
    var completionFeedback: [String: CompletionFeedbackCounts] = [:]
    /// The model that served the latest completion: feedback that names no model counts for it.
    var lastCompletionModel: String?
    var clientName: String?
    /// Suggestions made in this session, answered again while the user types them; see `Server+CompletionCache.swift`.
    var completionCache = CompletionCache()
    /// The running prefetch of each document.
    var prefetches: [String: Prefetch] = [:]
    /// Completions sent to a backend so far, and the latest one's number per document: only the latest prefetches.
    var completionRequests = 0
    var latestCompletion: [String: Int] = [:]
    private var parentWatch: DispatchSourceTimer?
    private var ended = false

    /// A request that a job is still working on.
    struct PendingRequest {
        var method: String
        var cancel: () -> Void
    }

    /// A server that writes its messages with `send` and reports how it ended with `onTermination`.
    ///
    /// `sessions` lists the other sessions of the process (a shared process serves one per connection); without
    /// one, this server is the process's only session.
    public init(settings: Settings = Settings(), version: String = Server.version, models: BackendProvider,
                sessions: SessionRegistry = SessionRegistry(), limits: DocumentLimits = DocumentLimits(),
                logger: Logger = Logger(label: "gptls.server"),
                send: @escaping @Sendable (Message) -> Void,
                onTermination: @escaping @Sendable (Termination) -> Void) {
        self.settings = settings
        self.version = version
        self.models = models
        self.sessions = sessions
        self.limits = limits
        self.sessionID = sessions.register()
        var logger = logger
        logger[metadataKey: "session"] = .string(sessionID)
        self.logger = logger
        self.send = send
        self.onTermination = onTermination
        models.onFailure = { [weak self] message in self?.showMessage(.error, message) }
    }

    /// Waits until every message received so far has been handled (replies to engine jobs may still be coming).
    public func waitUntilIdle() {
        queue.sync {}
    }

    /// Hands an incoming message to the server. Any thread; returns at once.
    public func receive(_ message: Message) {
        queue.async {
            self.handle(message)
            self.publish()
        }
    }

    /// The input ended: the client is gone.
    public func inputClosed() {
        queue.async {
            self.cancelAllPending(reason: "the input ended")
            self.end(self.state == .shutDown ? .clean : .unexpected("the input ended before exit"))
        }
    }

    /// Ends the session once: frees its backend and its place in the registry, then reports how it ended.
    private func end(_ termination: Termination) {
        guard !ended else { return }
        ended = true
        parentWatch?.cancel()
        parentWatch = nil
        documents.removeAll()
        refusedDocuments.removeAll()
        resetCompletionCache()
        models.close()
        sessions.remove(sessionID)
        onTermination(termination)
    }

    /// Tells the registry how this session stands (for `gptls/status` of any session).
    func publish() {
        guard !ended else { return }
        sessions.publish(ConnectionStatus(id: sessionID, clientName: clientName, documents: documents.count,
                                          pendingRequests: pending.count, pendingMethods: pending.values.map(\.method)))
    }

    // MARK: - Dispatch

    private func handle(_ message: Message) {
        switch message {
        case .request(let id, let method, let params):
            handleRequest(id: id, method: method, params: params)
        case .notification(let method, let params):
            handleNotification(method: method, params: params)
        case .response(let id, let result):
            // The server sends no requests, so nothing waits on a response: an error one is only logged.
            if case .failure(let error) = result { logger.debug("client answered \(id.map(\.description) ?? "null") with \(error)") }
        }
    }

    private func handleRequest(id: RequestID, method: String, params: JSONValue?) {
        // Lifecycle first, from the method name alone: a request out of order is refused whatever its params.
        switch (state, method) {
        case (.waitingForInitialize, InitializeRequest.method): break
        case (.waitingForInitialize, _):
            return reply(id, .failure(ResponseError(.serverNotInitialized,
                                                    "\(method): the server is not initialized yet; send initialize first")))
        case (.shutDown, _):
            return reply(id, .failure(ResponseError(.invalidRequest,
                                                    "\(method): the server has shut down; only exit is accepted")))
        case (.running, InitializeRequest.method):
            return reply(id, .failure(ResponseError(.invalidRequest, "initialize: the server is already initialized")))
        case (.running, _): break
        }
        if let document = ClientRequest.requiredDocument(method: method, params: params), !isKnown(document.uri) {
            return reply(id, .failure(document.notOpen))
        }
        let request: ClientRequest
        do {
            request = try ClientRequest(method: method, params: params)
        } catch {
            return reply(id, .failure(error))
        }
        switch request {
        case .initialize(let request): reply(id, catching: { try initialize(request) })
        case .shutdown:
            cancelAllPending(reason: "the server is shutting down")
            state = .shutDown
            reply(id, .success(NullResult().json))
        case .inlineCompletion(let request): inlineCompletion(id: id, request)
        case .completion(let request): completion(id: id, request)
        case .codeAction(let request): reply(id, .success(codeActions(request).json))
        case .summarize(let request): summarize(id: id, request)
        case .classify(let request): classify(id: id, request)
        case .executeCommand(let request): executeCommand(id: id, request)
        case .status: reply(id, .success(status().json))
        case .unknown(let method): reply(id, .failure(ClientRequest.methodNotFound(method)))
        }
    }

    private func handleNotification(method: String, params: JSONValue?) {
        if method == ExitNotification.method {
            cancelAllPending(reason: "the server is exiting")
            end(state == .shutDown ? .clean : .unexpected("exit before shutdown"))
            return
        }
        guard state == .running else {
            logger.debug("ignoring \(method): the server is not running")
            return
        }
        if let document = ClientNotification.requiredDocument(method: method, params: params), !isKnown(document.uri) {
            logger.warning("\(method) for \(document.uri), which is not open; ignored")
            return
        }
        do {
            switch try ClientNotification(method: method, params: params) {
            case .didOpen(let notification): didOpen(notification)
            case .didChange(let notification): didChange(notification)
            case .didClose(let notification): didClose(notification)
            case .didChangeConfiguration(let notification): try didChangeConfiguration(notification)
            case .cancelRequest(let notification): cancelRequest(notification)
            case .completionFeedback(let notification): recordFeedback(notification)
            case .initialized, .exit, .didSave, .setTrace, .logTrace: break
            case .unknown(let method): logger.debug("ignoring unknown notification \(method)")
            }
        } catch {
            // A notification has no reply: a bad one is logged and the server keeps serving.
            logger.error("\(method): \(error)")
        }
    }

    /// Whether the client opened the document `uri`. A refused one counts, so that its requests get the refusal
    /// (from `document(_:_:)`) rather than "not open", and its changes can bring it back.
    private func isKnown(_ uri: String) -> Bool {
        documents[uri] != nil || refusedDocuments[uri] != nil
    }

    // MARK: - Replies

    /// Sends the reply of a request that is answered right away.
    ///
    /// The session's figures are published first, so a client that has its answer (to `initialize`, say) sees itself
    /// in another connection's `gptls/status`.
    func reply(_ id: RequestID, _ result: Result<JSONValue, ResponseError>) {
        publish()
        send(.response(id: id, result: result))
    }

    func reply(_ id: RequestID, catching body: () throws -> JSONValue) {
        do {
            reply(id, .success(try body()))
        } catch let error as ResponseError {
            reply(id, .failure(error))
        } catch {
            reply(id, .failure(ResponseError(.internalError, "\(error)")))
        }
    }

    /// Remembers a request whose reply comes later; `cancel` stops its work.
    func track(_ id: RequestID, method: String, cancel: @escaping () -> Void) {
        pending[id] = PendingRequest(method: method, cancel: cancel)
    }

    /// Replies to a tracked request unless someone already did (it was cancelled). Any thread.
    func finish(_ id: RequestID, _ result: Result<JSONValue, ResponseError>) {
        queue.async {
            guard self.pending.removeValue(forKey: id) != nil else { return }
            self.reply(id, result)
            self.publish()
        }
    }

    private func cancelRequest(_ notification: CancelRequestNotification) {
        let id = notification.id
        guard let request = pending.removeValue(forKey: id) else { return }  // already answered: nothing to do
        request.cancel()
        reply(id, .failure(ResponseError(.requestCancelled, "\(request.method): cancelled by the client")))
    }

    private func cancelAllPending(reason: String) {
        for (id, request) in pending {
            request.cancel()
            reply(id, .failure(ResponseError(.requestCancelled, "\(request.method): \(reason)")))
        }
        pending.removeAll()
    }

    /// Sends a notification to the client (`window/showMessage`, `$/progress`). Any thread.
    func notify(_ notification: some ServerNotificationType) {
        send(Message(notification))
    }

    // MARK: - Parent process

    /// Ends the server when the editor that started it is gone (LSP `processId`), checked every 2 seconds.
    func watchParent(_ pid: Int32) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 2, repeating: 2)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            if kill(pid, 0) != 0 && errno == ESRCH {
                self.logger.warning("the parent process \(pid) is gone; ending the session")
                self.cancelAllPending(reason: "the parent process is gone")
                self.end(.unexpected("parent process \(pid) is gone"))
            }
        }
        timer.resume()
        parentWatch = timer
    }
}
