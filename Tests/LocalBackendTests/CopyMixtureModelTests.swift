import Dispatch
import Foundation
import Tasks
import XCTest
@testable import LocalBackend

/// The bundled model with the copy mixture: a name that only another file of the workspace defines is completed as
/// written there, which the 7.5M-parameter model alone does not do.
final class CopyMixtureModelTests: XCTestCase {
    private let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/default")

    private func complete(_ backend: InProcessBackend, copyWeight: Double) throws -> String {
        var task = CompletionTask(
            documentKey: "file:///w/main.py", prefix: "import tools\n\nresult = tools.zorblax_qu", maxTokens: 12,
            suffix: "\nprint(result)\n",
            context: [ContextChunk(name: "tools.py",
                                   text: "def zorblax_quantify(frobs, widgets):\n    return frobs * widgets\n")],
            contextTokens: 200)
        task.copyWeight = copyWeight
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        _ = backend.complete(task) { result in
            box.result = result
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        return try XCTUnwrap(box.result).get().text
    }

    func testANameDefinedInAContextChunkIsCopiedOnlyWithTheMixture() throws {
        let backend = try ModelLoader.backend(.init(models: [.completion: directory.path]))
        defer { backend.shutdown() }
        let copied = try complete(backend, copyWeight: 0.4)
        XCTAssertTrue(copied.hasPrefix("antify(frobs, widgets)"), copied)
        let alone = try complete(backend, copyWeight: 0)
        XCTAssertFalse(alone.hasPrefix("antify(frobs"), alone)
    }
}

private final class ResultBox: @unchecked Sendable {
    var result: Result<TextResult, TaskError>?
}
