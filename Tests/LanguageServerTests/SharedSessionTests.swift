import Foundation
import JSON
import JSONRPC
import Tasks
import XCTest
@testable import LanguageServer

/// Several sessions of one process (a shared socket server's connections) over one `BackendPool`.
final class SharedSessionTests: XCTestCase {
    private let lock = NSLock()
    private var loaded: [(configuration: BackendConfiguration, backend: ScriptedBackend)] = []
    private let sessions = SessionRegistry()
    private lazy var pool = BackendPool(loader: { [unowned self] configuration in
        let backend = ScriptedBackend()
        lock.lock()
        loaded.append((configuration, backend))
        lock.unlock()
        return backend
    })

    private func session(_ options: JSONValue = [:]) throws -> ServerHarness {
        let harness = ServerHarness(pool: pool, sessions: sessions)
        _ = try harness.initialize(options)
        harness.open("file:///a.py", "def f(x):\n    return x\n")
        return harness
    }

    private func complete(_ harness: ServerHarness) throws {
        _ = try harness.result(of: harness.inlineCompletion())
    }

    func testSessionsWithTheSameSettingsShareOneBackendLoadedOnce() throws {
        let first = try session(), second = try session()
        try complete(first)
        try complete(second)
        XCTAssertEqual(loaded.count, 1)
        let clients = loaded[0].backend.completions.map(\.client)
        XCTAssertEqual(clients.count, 2)
        XCTAssertNotEqual(clients[0], clients[1], "both sessions' completions came as one client: they would supersede")
        XCTAssertEqual(loaded[0].backend.completions.map(\.documentKey), ["file:///a.py", "file:///a.py"])
    }

    func testABackendThatNoSessionSelectsIsShutDownAndOnlyThen() throws {
        let first = try session(["model": "/models/x"]), second = try session(["model": "/models/y"])
        try complete(first)
        try complete(second)
        XCTAssertEqual(loaded.map { $0.configuration.models[.completion] }, ["/models/x", "/models/y"])
        // The first session moves to the second's model: x is freed, y is not loaded again.
        first.notify("workspace/didChangeConfiguration", ["settings": ["model": "/models/y"]])
        try complete(first)
        XCTAssertTrue(loaded[0].backend.isShutDown)
        XCTAssertEqual(loaded.count, 2)
        XCTAssertEqual(pool.loadedCount, 1)
        // One of its two sessions ends: y stays; the other ends too: y goes.
        second.server.inputClosed()
        second.server.waitUntilIdle()
        XCTAssertFalse(loaded[1].backend.isShutDown)
        first.server.inputClosed()
        first.server.waitUntilIdle()
        XCTAssertTrue(loaded[1].backend.isShutDown)
        XCTAssertEqual(pool.loadedCount, 0)
    }

    func testStatusListsEverySessionAndMarksTheAsker() throws {
        let first = try session(), second = try session()
        second.open("file:///b.py", "x = 1\n")
        second.server.waitUntilIdle()  // the open is handled on the second session's own queue
        let connections = try XCTUnwrap(first.result(of: first.request("gptls/status"))["connections"]?.array)
        XCTAssertEqual(connections.map { $0["documents"] }, [1, 2])
        XCTAssertEqual(connections.map { $0["current"] }, [true, false])
        second.server.inputClosed()
        second.server.waitUntilIdle()
        XCTAssertEqual(try first.result(of: first.request("gptls/status"))["connections"]?.array?.count, 1)
    }
}
