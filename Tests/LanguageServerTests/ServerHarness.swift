import Foundation
import JSON
import JSONRPC
import Tasks
@testable import LanguageServer

/// Drives a `Server` in-process: sends it messages and collects what it writes back.
final class ServerHarness: @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [Message] = []
    private var terminations: [Server.Termination] = []
    private(set) var server: Server!
    private var nextID: Int64 = 0

    convenience init(loader: @escaping BackendLoader = { _ in throw HarnessError.noModel },
                     limits: DocumentLimits = DocumentLimits()) {
        self.init(models: BackendProvider(loader: loader), sessions: SessionRegistry(), limits: limits)
    }

    /// One session of a process whose sessions share `pool` and `sessions`.
    convenience init(pool: BackendPool, sessions: SessionRegistry) {
        self.init(models: BackendProvider(pool: pool), sessions: sessions)
    }

    private init(models: BackendProvider, sessions: SessionRegistry, limits: DocumentLimits = DocumentLimits()) {
        server = Server(models: models, sessions: sessions, limits: limits, send: { [weak self] message in
            guard let self else { return }
            self.lock.lock()
            self.sent.append(message)
            self.lock.unlock()
        }, onTermination: { [weak self] termination in
            guard let self else { return }
            self.lock.lock()
            self.terminations.append(termination)
            self.lock.unlock()
        })
    }

    enum HarnessError: Error, CustomStringConvertible {
        case noModel
        var description: String { "no model in this test" }
    }

    var messages: [Message] {
        lock.lock()
        defer { lock.unlock() }
        return sent
    }

    var termination: Server.Termination? {
        lock.lock()
        defer { lock.unlock() }
        return terminations.last
    }

    /// Sends a request and returns its id.
    @discardableResult
    func request(_ method: String, _ params: JSONValue? = nil) -> RequestID {
        nextID += 1
        let id = RequestID.int(nextID)
        server.receive(.request(id: id, method: method, params: params))
        return id
    }

    func notify(_ method: String, _ params: JSONValue? = nil) {
        server.receive(.notification(method: method, params: params))
    }

    /// Every response to `id` received within `timeout` seconds.
    func responses(to id: RequestID, timeout: Double = 30) -> [Result<JSONValue, ResponseError>] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            server.waitUntilIdle()
            let found = messages.compactMap { message -> Result<JSONValue, ResponseError>? in
                if case .response(let responseID, let result) = message, responseID == id { return result }
                return nil
            }
            if !found.isEmpty || Date() > deadline {
                // Give a duplicate reply a moment to show up, so "exactly one" is really checked.
                Thread.sleep(forTimeInterval: 0.05)
                server.waitUntilIdle()
                return messages.compactMap { message in
                    if case .response(let responseID, let result) = message, responseID == id { return result }
                    return nil
                }
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// The single response to `id`; fails the test (through the caller) when there is none or more than one.
    func response(to id: RequestID, timeout: Double = 30) throws -> Result<JSONValue, ResponseError> {
        let all = responses(to: id, timeout: timeout)
        guard all.count == 1 else { throw HarnessFailure("expected exactly one response to \(id), got \(all.count)") }
        return all[0]
    }

    func result(of id: RequestID, timeout: Double = 30) throws -> JSONValue {
        switch try response(to: id, timeout: timeout) {
        case .success(let value): return value
        case .failure(let error): throw HarnessFailure("\(id) failed: \(error)")
        }
    }

    func error(of id: RequestID, timeout: Double = 30) throws -> ResponseError {
        switch try response(to: id, timeout: timeout) {
        case .success(let value): throw HarnessFailure("\(id) succeeded unexpectedly: \(value.jsonText)")
        case .failure(let error): return error
        }
    }

    func notifications(_ method: String) -> [JSONValue] {
        messages.compactMap { message in
            if case .notification(method, let params) = message { return params ?? .null }
            return nil
        }
    }

    func initialize(_ options: JSONValue? = nil, encodings: [String]? = nil) throws -> JSONValue {
        var params: JSONObject = ["processId": .null, "capabilities": [:]]
        if let encodings {
            params["capabilities"] = ["general": ["positionEncodings": .array(encodings.map { .string($0) })]]
        }
        if let options { params["initializationOptions"] = options }
        let result = try self.result(of: request("initialize", .object(params)))
        notify("initialized", [:])
        return result
    }

    /// Asks for ghost text in `uri` (by default where the scripted tests open their file: after `    ` on line 1).
    func inlineCompletion(_ uri: String = "file:///a.py", line: Int = 1, character: Int = 4) -> RequestID {
        request("textDocument/inlineCompletion", [
            "textDocument": ["uri": .string(uri)], "position": ["line": .int(line), "character": .int(character)],
            "context": ["triggerKind": 2],
        ])
    }

    func open(_ uri: String, _ text: String, language: String = "python") {
        notify("textDocument/didOpen", ["textDocument": [
            "uri": .string(uri), "languageId": .string(language), "version": 1, "text": .string(text),
        ]])
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
