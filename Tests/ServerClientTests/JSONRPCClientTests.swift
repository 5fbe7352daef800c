import Foundation
import JSON
import JSONRPC
import JSONRPCTestSupport
import ServerClient
import XCTest

final class JSONRPCClientTests: XCTestCase {
    /// An in-process server over pipes: `echo` returns its params, `fail` answers an error, `tell` notifies back,
    /// `ask` makes a request to the client and returns the client's answer.
    private final class EchoServer: @unchecked Sendable {
        let toServer = TestPipe()
        let fromServer = TestPipe()
        let connection: Connection
        let received = Inbox()
        let clientClosed = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var pendingAsk: RequestID?

        init() {
            connection = Connection(input: toServer.readEnd, output: fromServer.writeEnd,
                                    logger: CollectingLogHandler().logger)
            let received = received
            connection.start(onMessage: { [self] message in handle(message) }, onClose: { received.closed.signal() })
        }

        /// A client of this server; `onClose` is wired so `stop` can wait for its reader to finish.
        func client(onNotification: @escaping @Sendable (String, JSONValue?) -> Void = { _, _ in },
                    onRequest: JSONRPCClient.RequestHandler? = nil) -> JSONRPCClient {
            let closed = clientClosed
            if let onRequest {
                return JSONRPCClient(input: fromServer.readEnd, output: toServer.writeEnd,
                                     logger: CollectingLogHandler().logger, onNotification: onNotification,
                                     onRequest: onRequest, onClose: { closed.signal() })
            }
            return JSONRPCClient(input: fromServer.readEnd, output: toServer.writeEnd,
                                 logger: CollectingLogHandler().logger, onNotification: onNotification,
                                 onClose: { closed.signal() })
        }

        /// Ends both directions and waits until both reader threads have seen end of input, so no reader outlives
        /// the test and reads a descriptor number that a later test reuses.
        func stop() {
            connection.flush()
            fromServer.closeWriteEnd()
            XCTAssertEqual(clientClosed.wait(timeout: .now() + 30), .success, "the client did not see end of input")
            toServer.closeWriteEnd()
            XCTAssertEqual(received.closed.wait(timeout: .now() + 30), .success, "the server did not see end of input")
        }

        private func handle(_ message: Message) {
            received.add(message)
            switch message {
            case .request(let id, "echo", let params):
                // Reply from another thread, later, so responses come back out of order.
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int.random(in: 0...5))) {
                    self.connection.send(.success(id: id, result: params ?? .null))
                }
            case .request(let id, "fail", _):
                connection.send(.failure(id: id, error: ResponseError(.invalidParams, "fail: no")))
            case .request(let id, "tell", _):
                connection.send(.notification(method: "told", params: ["n": 1]))
                connection.send(.success(id: id, result: true))
            case .request(let id, "ask", _):
                lock.lock()
                pendingAsk = id
                lock.unlock()
                connection.send(.request(id: "server-1", method: "client/question", params: nil))
            case .response("server-1", let result):
                lock.lock()
                let id = pendingAsk!
                lock.unlock()
                connection.send(.response(id: id, result: result))
            default:
                break
            }
        }
    }

    func testMatchesConcurrentResponsesToTheirRequests() throws {
        let server = EchoServer()
        let client = server.client()
        let failures = NSLock()
        var mismatches = 0
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<25 {
                let params: JSONValue = ["thread": .int(thread), "index": .int(index)]
                let result = try? client.request("echo", params: params, timeout: 30)
                if result != params {
                    failures.lock()
                    mismatches += 1
                    failures.unlock()
                }
            }
        }
        XCTAssertEqual(mismatches, 0)
        server.stop()
    }

    func testSendReturnsTheIdAtOnceAndDeliversEachResponseToItsCallback() throws {
        let server = EchoServer()
        let client = server.client()
        let lock = NSLock()
        nonisolated(unsafe) var answers: [Int: Result<JSONValue, ResponseError>?] = [:]  // guarded by `lock`
        let done = DispatchSemaphore(value: 0)
        var ids: [RequestID] = []
        for index in 0..<5 {
            let method = index == 2 ? "fail" : "echo"
            ids.append(client.send(method, params: ["index": .int(index)]) { result in
                lock.lock()
                answers[index] = result
                lock.unlock()
                done.signal()
            })
        }
        for _ in 0..<5 { XCTAssertEqual(done.wait(timeout: .now() + 30), .success) }
        XCTAssertEqual(Set(ids).count, 5, "each request gets its own id")
        // The ids are what went over the wire, so they can be cancelled with $/cancelRequest.
        let sent = server.received.messages.compactMap { message -> RequestID? in
            if case .request(let id, _, _) = message { return id }
            return nil
        }
        XCTAssertEqual(Set(sent), Set(ids))
        for index in 0..<5 {
            switch answers[index] {
            case .some(.some(.success(let value))): XCTAssertEqual(value, ["index": .int(index)])
            case .some(.some(.failure(let error))): XCTAssertEqual(index, 2, "only `fail` answers an error: \(error)")
            default: XCTFail("request \(index) got no answer")
            }
        }
        server.stop()
    }

    func testThrowsTheServersErrorAndDeliversItsNotifications() throws {
        let server = EchoServer()
        let notified = Inbox()
        let client = server.client(onNotification: { notified.add(.notification(method: $0, params: $1)) })
        XCTAssertThrowsError(try client.request("fail", timeout: 30)) { error in
            XCTAssertEqual(error as? ResponseError, ResponseError(.invalidParams, "fail: no"))
        }
        XCTAssertEqual(try client.request("tell", timeout: 30), true)
        notified.wait(for: 1)
        XCTAssertEqual(notified.messages, [.notification(method: "told", params: ["n": 1])])
        client.notify("initialized", params: [:])
        server.received.wait(for: 3)
        XCTAssertEqual(server.received.messages.last, .notification(method: "initialized", params: [:]))
        server.stop()
    }

    func testAnswersServerRequestsWithItsHandlerOrMethodNotFound() throws {
        let server = EchoServer()
        let plain = server.client()
        XCTAssertThrowsError(try plain.request("ask", timeout: 30)) { error in
            XCTAssertEqual((error as? ResponseError)?.code, .methodNotFound)
        }

        let other = EchoServer()
        let helpful = other.client(onRequest: { method, _ in .success(.string("answer to \(method)")) })
        XCTAssertEqual(try helpful.request("ask", timeout: 30), "answer to client/question")
        server.stop()
        other.stop()
    }

    func testRequestsFailWhenTheConnectionCloses() throws {
        let server = EchoServer()
        let client = server.client()
        final class Outcome: @unchecked Sendable { var error: Error? }
        let waiting = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        Thread.detachNewThread {
            do { _ = try client.request("never-answered", timeout: 30) } catch { outcome.error = error }
            waiting.signal()
        }
        server.received.wait(for: 1)
        server.stop()  // the server's stdout ends: the client's reader sees end of input
        XCTAssertEqual(waiting.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(outcome.error as? JSONRPCClient.ClientError, .connectionClosed(method: "never-answered"))
        XCTAssertThrowsError(try client.request("after", timeout: 30)) { error in
            XCTAssertEqual(error as? JSONRPCClient.ClientError, .connectionClosed(method: "after"))
        }
    }

    func testTimesOutWhenNoResponseComes() {
        let server = EchoServer()
        let client = server.client()
        XCTAssertThrowsError(try client.request("never-answered", timeout: 0.05)) { error in
            XCTAssertEqual(error as? JSONRPCClient.ClientError, .timedOut(method: "never-answered", seconds: 0.05))
        }
        server.stop()
    }
}
