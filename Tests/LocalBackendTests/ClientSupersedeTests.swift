import Foundation
import Tasks
import XCTest
@testable import LocalBackend

/// Completions supersede per client and document: two editors on one file (a shared process) keep their own ghost
/// text, while one editor's newer keystroke still replaces its older one.
final class ClientSupersedeTests: XCTestCase {
    private let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/default").path

    /// Two completions of one document, submitted back to back, by `clients`; their outcomes.
    private func race(_ clients: (String, String)) throws -> [Result<TextResult, TaskError>] {
        let backend = try ModelLoader.backend(BackendConfiguration(models: [.completion: model]), heads: nil)
        defer { backend.shutdown() }
        let done = DispatchGroup()
        let lock = NSLock()
        nonisolated(unsafe) var outcomes: [Int: Result<TextResult, TaskError>] = [:]  // guarded by `lock`
        for (index, client) in [clients.0, clients.1].enumerated() {
            done.enter()
            let task = CompletionTask(documentKey: "file:///a.py", prefix: "def mean(values):\n    return ",
                                      maxTokens: 200, stop: { _ in false }, client: client)
            _ = backend.complete(task) { outcome in
                lock.lock()
                outcomes[index] = outcome
                lock.unlock()
                done.leave()
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success)
        return [try XCTUnwrap(outcomes[0]), try XCTUnwrap(outcomes[1])]
    }

    func testTwoClientsOnOneDocumentBothGetTheirCompletion() throws {
        let outcomes = try race(("editor 1", "editor 2"))
        XCTAssertNotNil(try? outcomes[0].get(), "\(outcomes[0])")
        XCTAssertNotNil(try? outcomes[1].get(), "\(outcomes[1])")
    }

    func testOneClientsNewerCompletionSupersedesItsOlderOne() throws {
        let outcomes = try race(("editor 1", "editor 1"))
        guard case .failure(.superseded) = outcomes[0] else { return XCTFail("not superseded: \(outcomes[0])") }
        XCTAssertNotNil(try? outcomes[1].get())
    }
}
