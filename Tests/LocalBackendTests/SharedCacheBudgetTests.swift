import Foundation
import Tasks
import XCTest
@testable import LocalBackend

/// The bundled manifest's three models share one KV budget: the model in use takes the memory of the idle ones.
final class SharedCacheBudgetTests: XCTestCase {
    private let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/default").path

    private func wait<T>(_ start: (@escaping @Sendable (Result<T, TaskError>) -> Void) -> Void) throws -> T {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<T, TaskError>?  // written before `done` is signalled
        start { result in
            outcome = result
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success)
        return try XCTUnwrap(outcome).get()
    }

    func testTheDefaultBudgetIsOneTotalScaledToTheModels() throws {
        let backend = try ModelLoader.backend(BackendConfiguration(
            models: [.completion: model, .summarize: model, .classify: model]))
        defer { backend.shutdown() }
        let status = backend.status
        let weights = status.caches.reduce(0) { $0 + $1.weightBytes }
        XCTAssertEqual(status.caches.count, 3)
        XCTAssertGreaterThan(weights, 1 << 20)
        XCTAssertEqual(status.cacheBudgetBytes, BackendConfiguration.defaultCacheBudgetBytes(weightBytes: weights))
        XCTAssertEqual(status.cacheBudgetBytes, 64 << 20, "a small bundled model gets the 64 MiB floor")
    }

    func testASummaryTakesTheMemoryOfTheIdleCompletionModelAndTheTotalStaysWithinTheBudget() throws {
        let backend = try ModelLoader.backend(BackendConfiguration(
            models: [.completion: model, .summarize: model, .classify: model], cacheBudgetMB: 1))
        defer { backend.shutdown() }
        let code = (0..<5).map { "def f\($0)(x):\n    return x + \($0)\n" }.joined()
        _ = try wait { done in
            _ = backend.complete(CompletionTask(documentKey: "file:///a.py", prefix: code, maxTokens: 8), onFinish: done)
        }
        let afterCompletion = backend.status
        let (completion, summarize) = (backend.completionModel.index, backend.summarizeModel.index)
        XCTAssertNotEqual(completion, summarize)
        let completionResident = afterCompletion.caches[completion].blocksResident
        XCTAssertGreaterThan(completionResident, 0)
        _ = try wait { done in
            _ = backend.summarize(SummaryTask(text: code, maxTokens: 8), progress: { _, _ in }, onFinish: done)
        }
        let status = backend.status
        XCTAssertGreaterThan(status.caches[summarize].blocksResident, 0)
        XCTAssertLessThan(status.caches[completion].blocksResident, completionResident,
                          "the summary should have taken blocks of the idle completion model")
        XCTAssertLessThanOrEqual(status.caches.reduce(0) { $0 + $1.bytesResident }, 1 << 20)
    }
}
