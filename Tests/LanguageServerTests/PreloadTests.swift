import Foundation
import JSON
import JSONRPC
import Tasks
import XCTest
@testable import LanguageServer

/// Models loaded when the process starts, before the editor's first request (`BackendPool.startPreload`).
final class PreloadTests: XCTestCase {
    private let lock = NSLock()
    private var loaded: [(configuration: BackendConfiguration, backend: ScriptedBackend)] = []
    /// Loads wait on this while a test holds it.
    private let gate = NSLock()
    private var failure: Error?
    private lazy var pool = BackendPool(loader: { [unowned self] configuration in
        gate.lock()
        gate.unlock()
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        let backend = ScriptedBackend()
        loaded.append((configuration, backend))
        return backend
    })

    private var loads: [BackendConfiguration] {
        lock.lock()
        defer { lock.unlock() }
        return loaded.map(\.configuration)
    }

    private func waitForLoads(_ count: Int) {
        let deadline = Date().addingTimeInterval(10)
        while loads.count < count && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.05)
    }

    private func session(_ options: JSONValue = [:]) throws -> ServerHarness {
        let harness = ServerHarness(pool: pool, sessions: SessionRegistry())
        _ = try harness.initialize(options)
        harness.open("file:///a.py", "def f(x):\n    return x\n")
        return harness
    }

    func testTheFirstRequestUsesThePreloadedModelsWithoutLoadingAgain() throws {
        pool.startPreload(Settings(), keep: false)
        waitForLoads(1)
        let harness = try session()
        let status = try harness.result(of: harness.request("gptls/status"))
        XCTAssertEqual(status["models"]?["loaded"], true, "status before any request: \(status.jsonText)")
        _ = try harness.result(of: harness.inlineCompletion())
        XCTAssertEqual(loads.count, 1)
        XCTAssertEqual(loaded[0].backend.completions.count, 1)
        // The preload's hold went back to the session: closing it frees the models.
        harness.server.inputClosed()
        harness.server.waitUntilIdle()
        XCTAssertTrue(loaded[0].backend.isShutDown)
    }

    func testStatusSaysLoadingAndARequestWaitsForTheLoad() throws {
        gate.lock()
        pool.startPreload(Settings(), keep: false)
        let harness = try session()
        Thread.sleep(forTimeInterval: 0.05)
        let status = try harness.result(of: harness.request("gptls/status"))
        XCTAssertEqual(status["models"]?["loading"], true, "status while loading: \(status.jsonText)")
        XCTAssertEqual(status["models"]?["loaded"], false)
        let id = harness.inlineCompletion()
        Thread.sleep(forTimeInterval: 0.1)
        gate.unlock()
        XCTAssertEqual(try harness.result(of: id)["items"]?.array?.count, 1)
        XCTAssertEqual(loads.count, 1, "the request loaded the models a second time")
    }

    func testPreloadedModelsThatTheSettingsDoNotChooseAreShutDown() throws {
        pool.startPreload(Settings(), keep: false)
        waitForLoads(1)
        let harness = try session(["model": "/models/other"])
        _ = try harness.result(of: harness.inlineCompletion())
        XCTAssertEqual(loads.map { $0.models[.completion] }, [nil, "/models/other"])
        XCTAssertTrue(loaded[0].backend.isShutDown, "the unused preload still holds its memory")
        XCTAssertFalse(loaded[1].backend.isShutDown)
        XCTAssertEqual(pool.loadedCount, 1)
    }

    func testASharedProcessKeepsItsPreloadWhenNoSessionHoldsIt() throws {
        pool.startPreload(Settings(), keep: true)
        waitForLoads(1)
        let harness = try session()
        _ = try harness.result(of: harness.inlineCompletion())
        harness.server.inputClosed()
        harness.server.waitUntilIdle()
        XCTAssertFalse(loaded[0].backend.isShutDown)
        XCTAssertEqual(pool.loadedCount, 1)
    }

    func testAFailedPreloadReachesTheFirstRequestAsAClearError() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "model.safetensors is truncated" } }
        failure = Broken()
        pool.startPreload(Settings(), keep: false)
        Thread.sleep(forTimeInterval: 0.1)
        let harness = try session()
        let error = try harness.error(of: harness.inlineCompletion())
        XCTAssertEqual(error.code, .requestFailed)
        XCTAssertTrue(error.message.contains("model.safetensors is truncated"), error.message)
        // The server keeps serving.
        XCTAssertNotNil(try harness.result(of: harness.request("gptls/status"))["models"]?["error"])
    }
}
