import Foundation
import Tasks
import XCTest

/// A router sends each task to the backend configured for that task, and asks each backend once for status and
/// shutdown, however many tasks it serves.
final class TaskRouterTests: XCTestCase {
    /// A backend that records which tasks reached it.
    final class Recorder: TaskBackend, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var tasks: [TaskKind] = []
        private(set) var shutdowns = 0

        private func record(_ kind: TaskKind) -> any Cancellable {
            lock.lock()
            tasks.append(kind)
            lock.unlock()
            return Finished()
        }

        func complete(_ task: CompletionTask,
                      onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
            record(.completion)
        }

        func summarize(_ task: SummaryTask, progress: @escaping @Sendable (Int, Int) -> Void,
                       onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
            record(.summarize)
        }

        func classify(_ task: ClassificationTask,
                      onFinish: @escaping @Sendable (Result<Classification, TaskError>) -> Void) -> any Cancellable {
            record(.classify)
        }

        var status: BackendStatus { BackendStatus(steps: 1, endpoints: [EndpointStatus(url: "u", model: "m")]) }

        func shutdown() { shutdowns += 1 }
    }

    func testEachTaskReachesItsBackendAndASharedBackendIsCountedAndShutDownOnce() {
        let local = Recorder(), remote = Recorder()
        let router = TaskRouter { $0 == .summarize ? remote : local }
        _ = router.complete(CompletionTask(documentKey: "d", prefix: "x", maxTokens: 1)) { _ in }
        _ = router.summarize(SummaryTask(text: "x", maxTokens: 1), progress: { _, _ in }) { _ in }
        _ = router.classify(ClassificationTask(text: "x")) { _ in }
        XCTAssertEqual(local.tasks, [.completion, .classify])
        XCTAssertEqual(remote.tasks, [.summarize])
        XCTAssertTrue(router.backend(for: .summarize) === remote)
        XCTAssertEqual(router.status.steps, 2)
        XCTAssertEqual(router.status.endpoints.count, 2)
        router.shutdown()
        XCTAssertEqual([local.shutdowns, remote.shutdowns], [1, 1])
    }

    func testTaskNamesAreListedForMessages() {
        XCTAssertEqual(TaskKind.names, "completion, summarize or classify")
        XCTAssertEqual(TaskKind.allCases.map { TaskKind(rawValue: $0.rawValue) }, TaskKind.allCases)
    }
}
