import Dispatch
import Foundation
import JSON
import JSONRPC

#if canImport(Glibc)
import Glibc
#endif

/// Relays one editor's LSP messages between stdin/stdout and the shared process, and outlives that process.
///
/// Every message is read whole (LSP framing) in both directions, so the relay keeps the editor's session
/// (`RelaySession`) and the requests still waiting for a reply. When the shared process goes away (end of the socket
/// while the editor has not sent `exit`), each waiting request is answered once with a ContentModified error that
/// says to ask again; a new process is connected to (`connect`, which starts one when none answers), the session is
/// replayed (`initialize` under the relay's own id, whose reply the editor never sees, then `initialized`, the
/// settings and each open document with its current text), and the editor's messages held meanwhile follow
/// (`HeldMessages`: within a bound, less what the replay carries). The editor sees no exit. After `RestartBudget.limit` restarts within `RestartBudget.window` the relay gives up: it says
/// why on stderr and exits 1.
///
/// The end of stdin half-closes the socket, so the server ends the session and closes; the end of the socket then
/// ends the relay (exit 0).
///
/// Threading: one thread reads stdin, one reads the socket (and reconnects); `lock` guards the state below. Writes go
/// through two serial queues (`toServer`, `toEditor`) so that neither reader ever blocks on a full pipe while holding
/// the lock.
final class SocketRelay: @unchecked Sendable {
    private let connect: () throws -> Int32
    private let logPath: String?
    private let replayDelay: TimeInterval
    private let lock = NSLock()
    private let toServer = DispatchQueue(label: "gptls.connect.to-server")
    private let toEditor = DispatchQueue(label: "gptls.connect.to-editor")
    // Guarded by `lock`.
    private var socket: Int32
    private var session = RelaySession()
    /// The editor's requests not answered yet, with their methods.
    private var pending: [RequestID: String] = [:]
    /// Set from the moment the process is found gone until the replay is answered; holds the editor's messages.
    private var held: HeldMessages?
    private var replayID: RequestID?
    private var replays = 0
    private var editorDone = false
    /// The process went away after the editor's `shutdown`: nothing is restarted, requests are refused.
    private var closedAfterShutdown = false
    private var budget = RestartBudget()

    /// `connect` returns a connected socket to the shared process, starting one if needed; `logPath` is named when
    /// giving up. For tests only, `replayDelay` is waited between connecting to a new process and replaying the
    /// session, so that a test can kill the process in that window (or fill the held messages).
    init(socket: Int32, logPath: String?, replayDelay: TimeInterval = 0, connect: @escaping () throws -> Int32) {
        self.socket = socket
        self.logPath = logPath
        self.replayDelay = replayDelay
        self.connect = connect
    }

    /// Relays until the session ends; never returns.
    func run() -> Never {
        signal(SIGPIPE, SIG_IGN)
        let upstream = Thread { [self] in readEditor() }
        upstream.name = "gptls.connect.upstream"
        upstream.stackSize = 8 << 20
        upstream.start()
        readServer()
    }

    // MARK: - Editor to server

    private func readEditor() {
        FrameReader(fd: STDIN_FILENO).forEach { frame in
            switch frame {
            case .body(let body): fromEditor(body)
            case .tooLarge(let size): sendToEditor(.failure(id: nil, error: ResponseError(
                .invalidRequest, "a message of \(size) bytes is above the limit of \(Framing.defaultMaximumContentLength) "
                    + "bytes per message; it was skipped unread")))
            }
        }
        lock.lock()
        editorDone = true
        let fd = socket
        let idle = held != nil || closedAfterShutdown
        lock.unlock()
        if idle { finish(0) }
        toServer.async { shutdown(fd, Int32(SHUT_WR)) }
    }

    private func fromEditor(_ body: ArraySlice<UInt8>) {
        let message = try? Message(body: body)
        let frame = Framing.encode(Array(body))
        lock.lock()
        defer { lock.unlock() }
        if let message { session.record(message) }
        if closedAfterShutdown {
            if session.exited { finish(0) }
            if let message { answerAfterShutdown(message) }
            return
        }
        if held != nil {
            if session.exited { finish(0) }
            let dropped = held?.hold(message, frame: frame, replayCovers: session.initialize != nil) ?? []
            if !dropped.isEmpty { answerOverflow(dropped) }
            return
        }
        if case .request(let id, let method, _)? = message { pending[id] = method }
        let fd = socket
        toServer.async { SocketRelay.write(frame, to: fd) }
    }

    // MARK: - Server to editor

    private func readServer() -> Never {
        while true {
            lock.lock()
            let fd = socket
            lock.unlock()
            FrameReader(fd: fd).forEach { frame in
                guard case .body(let body) = frame else { return }
                fromServer(body)
            }
            serverGone()
            reconnect()
        }
    }

    private func fromServer(_ body: ArraySlice<UInt8>) {
        guard let message = try? Message(body: body) else {
            return toEditor.async { SocketRelay.write(Framing.encode(Array(body)), to: STDOUT_FILENO) }
        }
        lock.lock()
        defer { lock.unlock() }
        guard case .response(let id?, let result) = message else {
            return sendToEditor(raw: Framing.encode(Array(body)))
        }
        if id == replayID {
            return replayAnswered(result)
        }
        if pending.removeValue(forKey: id) == "initialize", case .success(let value) = result {
            session.recordInitializeResult(value)
        }
        sendToEditor(raw: Framing.encode(Array(body)))
    }

    /// The end of the socket: the session ended, or the process went away under it.
    private func serverGone() {
        lock.lock()
        defer { lock.unlock() }
        if editorDone || session.exited { finish(0) }
        let failed = pending.filter { $0.value != "initialize" }
        for (id, method) in failed.sorted(by: { $0.key.description < $1.key.description }) {
            pending[id] = nil
            if method == "shutdown" {
                sendToEditor(.success(id: id, result: .null))
            } else {
                sendToEditor(.failure(id: id, error: SocketRelay.restartError(method)))
            }
        }
        let fd = socket
        toServer.async { close(fd) }
        replayID = nil
        // A process this relay started was its child: reap it, so that no zombie is left per restart.
        while waitpid(-1, nil, WNOHANG) > 0 {}
        if session.shuttingDown {
            closedAfterShutdown = true
            for (message, _) in held?.messages ?? [] { if let message { answerAfterShutdown(message) } }
            held = nil
            return
        }
        held = held ?? HeldMessages()
        FileHandle.standardError.write(Data(("gptls connect: the shared process went away"
            + (failed.isEmpty ? "" : " (\(failed.count) requests in flight answered with an error to retry)")
            + "; restarting it\n").utf8))
    }

    /// Answers the requests dropped from the held messages to keep them within their bound.
    private func answerOverflow(_ dropped: [(id: RequestID, method: String)]) {
        for (id, method) in dropped {
            sendToEditor(.failure(id: id, error: ResponseError(
                .contentModified, "\(method): the shared gptls process is being restarted and more than "
                    + "\(HeldMessages.maximumBytes >> 20) MiB of messages already wait for it; ask again",
                data: ["reason": "sharedProcessRestarted"])))
        }
        FileHandle.standardError.write(Data(("gptls connect: \(dropped.count) requests sent while the shared process "
            + "was down answered with an error to retry: the messages held for it passed "
            + "\(HeldMessages.maximumBytes >> 20) MiB\n").utf8))
    }

    /// Answers a request that comes when the process is gone after `shutdown`: `shutdown` itself succeeds (the
    /// process it would stop is gone), anything else is refused as LSP asks after `shutdown`.
    private func answerAfterShutdown(_ message: Message) {
        guard case .request(let id, let method, _) = message else { return }
        if method == "shutdown" { return sendToEditor(.success(id: id, result: .null)) }
        sendToEditor(.failure(id: id, error: ResponseError(.invalidRequest, "\(method): the session is shut down")))
    }

    /// Connects again (starting a process when none answers) and replays the session; gives up past the budget.
    private func reconnect() {
        lock.lock()
        let ending = closedAfterShutdown
        lock.unlock()
        if ending {
            // The editor's `exit` ends the relay; until then, nothing is read from the server.
            while true { pause() }
        }
        // A killed process's listening socket may still take a connection for a moment, then reset it: let it go.
        Thread.sleep(forTimeInterval: 0.1)
        while true {
            guard budget.allowRestart(at: Date()) else {
                let hint = logPath.map { "; see its log, \($0)" } ?? ""
                FileHandle.standardError.write(Data(("gptls connect: the shared process stopped \(RestartBudget.limit) "
                    + "times within \(Int(RestartBudget.window)) s; giving up\(hint)\n").utf8))
                finish(1)
            }
            do {
                let fd = try connect()
                if replayDelay > 0 {
                    // Tests only: this line tells a test that the relay holds a connection and has not replayed yet.
                    FileHandle.standardError.write(Data("gptls connect: connected again; replaying in \(replayDelay) s\n".utf8))
                    Thread.sleep(forTimeInterval: replayDelay)
                }
                return resume(on: fd)
            } catch {
                FileHandle.standardError.write(Data("gptls connect: reconnecting failed: \(error)\n".utf8))
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }

    private func resume(on fd: Int32) {
        lock.lock()
        defer { lock.unlock() }
        socket = fd
        replays += 1
        let id = RequestID.string("gptls-connect-replay-\(replays)")
        guard let initialize = session.replayInitialize(id: id) else {
            return releaseHeld(afterReplay: false)
        }
        replayID = id
        let frame = initialize.framed()
        toServer.async { SocketRelay.write(frame, to: fd) }
    }

    /// The replayed `initialize` was answered: the rest of the session follows, then what the editor sent meanwhile.
    private func replayAnswered(_ result: Result<JSONValue, ResponseError>) {
        replayID = nil
        switch result {
        case .success(let value):
            session.recordInitializeResult(value)
        case .failure(let error):
            FileHandle.standardError.write(Data("gptls connect: the new process refused the session: \(error)\n".utf8))
        }
        FileHandle.standardError.write(Data(("gptls connect: the session is back (\(session.openDocuments) open "
            + "documents replayed)\n").utf8))
        releaseHeld(afterReplay: true)
        // An editor whose own `initialize` was in flight at the crash (or held since) gets this answer as its own.
        if let initialize = session.initialize, pending[initialize.id] == "initialize" {
            pending[initialize.id] = nil
            sendToEditor(.response(id: initialize.id, result: result))
        }
    }

    private func releaseHeld(afterReplay: Bool) {
        var frames = afterReplay ? session.replayAfterInitialize().map { $0.framed() } : []
        for (message, frame) in held?.messages ?? [] {
            if afterReplay, let message, RelaySession.isReplayed(message) { continue }
            if case .request(let id, let method, _)? = message {
                pending[id] = method
                // The replayed `initialize` stands for the editor's own, which `replayAnswered` answers.
                if afterReplay, method == "initialize" { continue }
            }
            frames.append(frame)
        }
        held = nil
        let fd = socket
        let toSend = frames
        toServer.async { for frame in toSend { SocketRelay.write(frame, to: fd) } }
    }

    // MARK: - Output

    /// The error a request in flight gets when the process went away under it.
    static func restartError(_ method: String) -> ResponseError {
        ResponseError(.contentModified, "\(method): the shared gptls process stopped while this request was in "
                      + "flight and is being restarted; ask again",
                      data: ["reason": "sharedProcessRestarted"])
    }

    private func sendToEditor(_ message: Message) {
        sendToEditor(raw: message.framed())
    }

    private func sendToEditor(raw frame: [UInt8]) {
        toEditor.async { SocketRelay.write(frame, to: STDOUT_FILENO) }
    }

    /// Writes what is queued for the editor, then exits.
    private func finish(_ code: Int32) -> Never {
        toEditor.sync {}
        exit(code)
    }

    /// Writes all of `bytes`; false when the peer is gone.
    @discardableResult
    static func write(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}
