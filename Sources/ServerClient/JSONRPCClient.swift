import Foundation
import JSON
import JSONRPC
import Logging

/// A blocking JSON-RPC client over two file descriptors: send a request, wait for the response with its id.
///
/// Meant for `gptls demo`, the tools and end-to-end tests, which drive a server subprocess through pipes (`input` is
/// the server's stdout, `output` its stdin). Notifications from the server go to `onNotification`; requests from the
/// server go to `onRequest`, whose result is sent back (by default -32601 MethodNotFound). `onClose` runs when the
/// server's output ends (pending and later requests then throw `connectionClosed`).
///
/// Threading: `request` and `notify` may be called from several threads at once; `request` blocks its caller.
/// The callbacks run on the connection's reader thread.
public final class JSONRPCClient: @unchecked Sendable {
    public typealias RequestHandler = @Sendable (_ method: String, _ params: JSONValue?) -> Result<JSONValue, ResponseError>

    /// Why a request got no response.
    public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
        case connectionClosed(method: String)
        case timedOut(method: String, seconds: Double)

        public var description: String {
            switch self {
            case .connectionClosed(let method): return "\(method): the connection closed before the response came"
            case .timedOut(let method, let seconds): return "\(method): no response within \(seconds) s"
            }
        }
    }

    private final class Waiter: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var result: Result<JSONValue, ResponseError>?
        /// Set for `send(_:params:onResponse:)`: called instead of signalling `done`; nil result = connection closed.
        var onResponse: (@Sendable (Result<JSONValue, ResponseError>?) -> Void)?
    }

    public let connection: Connection
    private let logger: Logger
    private let lock = NSLock()
    private var nextID: Int64 = 1
    private var waiting: [RequestID: Waiter] = [:]
    private var closed = false
    private var unmatched = 0

    /// Responses that matched no waiting request (a second reply to one id, or a reply to an id never sent).
    public var unmatchedResponses: Int {
        lock.lock()
        defer { lock.unlock() }
        return unmatched
    }

    public init(input: Int32, output: Int32, logger: Logger = Logger(label: "gptls.jsonrpc.client"),
                onNotification: @escaping @Sendable (_ method: String, _ params: JSONValue?) -> Void = { _, _ in },
                onRequest: @escaping RequestHandler = { method, _ in
                    .failure(ResponseError(.methodNotFound, "the client does not handle \(method)"))
                },
                onClose: @escaping @Sendable () -> Void = {}) {
        connection = Connection(input: input, output: output, logger: logger)
        self.logger = logger
        connection.start(onMessage: { [weak self] message in
            guard let self else { return }
            switch message {
            case .response(let id, let result):
                self.resolve(id: id, with: result)
            case .notification(let method, let params):
                onNotification(method, params)
            case .request(let id, let method, let params):
                self.connection.send(.response(id: id, result: onRequest(method, params)))
            }
        }, onClose: { [weak self] in
            self?.closeAll()
            onClose()
        })
    }

    /// A new request id, with `waiter` waiting for its response; `isClosed` when the connection has closed (then
    /// nothing waits).
    private func register(_ waiter: Waiter) -> (id: RequestID, isClosed: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let id = RequestID.int(nextID)
        nextID += 1
        if !closed { waiting[id] = waiter }
        return (id, closed)
    }

    /// Sends a request and waits for its response: the result, or the server's error thrown as `ResponseError`.
    /// Throws `ClientError` when the connection closes first or `timeout` (seconds) passes.
    public func request(_ method: String, params: JSONValue? = nil, timeout: Double? = nil) throws -> JSONValue {
        let waiter = Waiter()
        let (id, isClosed) = register(waiter)
        guard !isClosed else { throw ClientError.connectionClosed(method: method) }

        connection.send(.request(id: id, method: method, params: params))
        if let timeout {
            if waiter.done.wait(timeout: .now() + timeout) == .timedOut {
                lock.lock()
                let stillWaiting = waiting.removeValue(forKey: id) != nil
                lock.unlock()
                // The response may have won the race: then the semaphore is signalled and the result is set.
                if stillWaiting { throw ClientError.timedOut(method: method, seconds: timeout) }
                waiter.done.wait()
            }
        } else {
            waiter.done.wait()
        }
        switch waiter.result {
        case .success(let value): return value
        case .failure(let error): throw error
        case nil: throw ClientError.connectionClosed(method: method)
        }
    }

    /// Sends a request without waiting and returns its id (to cancel it with `$/cancelRequest`, as an editor does).
    /// `onResponse` runs on the reader thread with the result or the server's error, or nil when the connection
    /// closes first; it must return quickly.
    @discardableResult
    public func send(_ method: String, params: JSONValue? = nil,
                     onResponse: @escaping @Sendable (Result<JSONValue, ResponseError>?) -> Void) -> RequestID {
        let waiter = Waiter()
        waiter.onResponse = onResponse
        let (id, isClosed) = register(waiter)
        if isClosed {
            onResponse(nil)
        } else {
            connection.send(.request(id: id, method: method, params: params))
        }
        return id
    }

    /// Sends a notification (no response).
    public func notify(_ method: String, params: JSONValue? = nil) {
        connection.send(.notification(method: method, params: params))
    }

    private func resolve(id: RequestID?, with result: Result<JSONValue, ResponseError>) {
        lock.lock()
        let waiter = id.flatMap { waiting.removeValue(forKey: $0) }
        if waiter == nil, id != nil { unmatched += 1 }
        lock.unlock()
        guard let waiter else {
            logger.warning("response for no pending request (id \(id.map { $0.description } ?? "null")): \(result)")
            return
        }
        if let onResponse = waiter.onResponse { return onResponse(result) }
        waiter.result = result
        waiter.done.signal()
    }

    private func closeAll() {
        lock.lock()
        closed = true
        let waiters = waiting.values
        waiting.removeAll()
        lock.unlock()
        for waiter in waiters {
            if let onResponse = waiter.onResponse { onResponse(nil) } else { waiter.done.signal() }
        }
    }
}
