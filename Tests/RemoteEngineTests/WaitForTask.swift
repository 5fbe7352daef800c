import Dispatch
import Tasks
import XCTest

/// Starts a backend task and waits up to 60 s for its one outcome (nil, and a failed assertion, when none came).
func waitForTask<T>(_ start: (@escaping @Sendable (Result<T, TaskError>) -> Void) -> Void) -> Result<T, TaskError>? {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var outcome: Result<T, TaskError>?
    start { result in
        outcome = result
        done.signal()
    }
    XCTAssertEqual(done.wait(timeout: .now() + 60), .success, "the task did not finish within 60 s")
    return outcome
}
