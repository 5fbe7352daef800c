import Dispatch
import Tasks
import Foundation
import JSON
import JSONRPC
import Logging

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
    private let send: @Sendable (Message) -> Void
    private let onTermination: @Sendable (Termination) -> Void

    // State below is touched on `queue` only.
    var state = State.waitingForInitialize
    var encoding = PositionEncoding.utf16
    var documents: [String: TextDocument] = [:]
    var settings: Settings
    var models: BackendProvider
    var pending: [RequestID: PendingRequest] = [:]
    private var parentWatch: DispatchSourceTimer?
    private var serverInitiatedRequests: Int64 = 0

    /// A request that a job is still working on.
    struct PendingRequest {
        var method: String
        var cancel: () -> Void
    }

    /// A server that writes its messages with `send` and reports how it ended with `onTermination`.
    public init(settings: Settings = Settings(), models: BackendProvider,
                logger: Logger = Logger(label: "gptls.server"),
                send: @escaping @Sendable (Message) -> Void,
                onTermination: @escaping @Sendable (Termination) -> Void) {
        self.settings = settings
        self.models = models
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
        queue.async { self.handle(message) }
    }

    /// The input ended: the client is gone.
    public func inputClosed() {
        queue.async {
            self.cancelAllPending(reason: "the input ended")
            self.onTermination(self.state == .shutDown ? .clean : .unexpected("the input ended before exit"))
        }
    }

    // MARK: - Dispatch

    private func handle(_ message: Message) {
        switch message {
        case .request(let id, let method, let params):
            handleRequest(id: id, method: method, params: params)
        case .notification(let method, let params):
            handleNotification(method: method, params: params)
        case .response(let id, let result):
            // Answers to our own requests (window/workDoneProgress/create): nothing waits on them.
            if case .failure(let error) = result { logger.debug("client answered \(id.map(\.description) ?? "null") with \(error)") }
        }
    }

    private func handleRequest(id: RequestID, method: String, params: JSONValue?) {
        switch (state, method) {
        case (.waitingForInitialize, "initialize"):
            reply(id, catching: { try initialize(params) })
        case (.waitingForInitialize, _):
            reply(id, .failure(ResponseError(.serverNotInitialized,
                                             "\(method): the server is not initialized yet; send initialize first")))
        case (.shutDown, _):
            reply(id, .failure(ResponseError(.invalidRequest, "\(method): the server has shut down; only exit is accepted")))
        case (.running, "initialize"):
            reply(id, .failure(ResponseError(.invalidRequest, "initialize: the server is already initialized")))
        case (.running, "shutdown"):
            cancelAllPending(reason: "the server is shutting down")
            state = .shutDown
            reply(id, .success(.null))
        case (.running, _):
            dispatchRunning(id: id, method: method, params: params)
        }
    }

    private func dispatchRunning(id: RequestID, method: String, params: JSONValue?) {
        switch method {
        case "textDocument/inlineCompletion": inlineCompletion(id: id, params: params)
        case "textDocument/completion": completion(id: id, params: params)
        case "textDocument/codeAction": reply(id, catching: { try codeActions(params) })
        case "gptls/summarize": summarize(id: id, params: params)
        case "gptls/classify": classify(id: id, params: params)
        case "workspace/executeCommand": executeCommand(id: id, params: params)
        case "gptls/status": reply(id, catching: { status() })
        default:
            reply(id, .failure(ResponseError(.methodNotFound, "\(method): gptls does not implement this method")))
        }
    }

    private func handleNotification(method: String, params: JSONValue?) {
        if method == "exit" {
            cancelAllPending(reason: "the server is exiting")
            onTermination(state == .shutDown ? .clean : .unexpected("exit before shutdown"))
            return
        }
        guard state == .running else {
            logger.debug("ignoring \(method): the server is not running")
            return
        }
        do {
            switch method {
            case "initialized": break
            case "textDocument/didOpen": try didOpen(params)
            case "textDocument/didChange": try didChange(params)
            case "textDocument/didClose": try didClose(params)
            case "textDocument/didSave": break
            case "workspace/didChangeConfiguration": try didChangeConfiguration(params)
            case "$/cancelRequest": try cancelRequest(params)
            case "$/setTrace", "$/logTrace": break
            default: logger.debug("ignoring unknown notification \(method)")
            }
        } catch {
            // A notification has no reply: a bad one is logged and the server keeps serving.
            logger.error("\(method): \(error)")
        }
    }

    // MARK: - Replies

    /// Sends the reply of a request that is answered right away.
    func reply(_ id: RequestID, _ result: Result<JSONValue, ResponseError>) {
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
        }
    }

    private func cancelRequest(_ params: JSONValue?) throws {
        guard let raw = params?["id"], let id = RequestID(json: raw) else {
            throw ResponseError(.invalidParams, "$/cancelRequest: params.id must be an integer or a string")
        }
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
    func notify(_ method: String, _ params: JSONValue) {
        send(.notification(method: method, params: params))
    }

    /// Sends a request to the client whose answer nothing waits for.
    func requestFromServer(_ method: String, _ params: JSONValue) {
        serverInitiatedRequests += 1
        send(.request(id: .string("gptls-\(serverInitiatedRequests)"), method: method, params: params))
    }

    // MARK: - Parent process

    /// Ends the server when the editor that started it is gone (LSP `processId`), checked every 2 seconds.
    func watchParent(_ pid: Int32) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 2, repeating: 2)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            if kill(pid, 0) != 0 && errno == ESRCH {
                self.logger.warning("the parent process \(pid) is gone; exiting")
                self.parentWatch?.cancel()
                self.cancelAllPending(reason: "the parent process is gone")
                self.onTermination(.unexpected("parent process \(pid) is gone"))
            }
        }
        timer.resume()
        parentWatch = timer
    }
}
