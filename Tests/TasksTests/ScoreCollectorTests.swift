import Dispatch
import Tasks
import XCTest

/// The one collector of parallel scores: every value in item order once all are in, or the first failure, once.
final class ScoreCollectorTests: XCTestCase {
    func testValuesArriveInAnyOrderAndAreReportedInItemOrderOnce() throws {
        let outcomes = Outcomes<[Int]>()
        let collector = ScoreCollector<Int>(count: 3, onDone: outcomes.onFinish)
        collector.set(2, .success(30))
        collector.set(0, .success(10))
        XCTAssertTrue(outcomes.reported.isEmpty)
        collector.set(0, .success(99))
        collector.set(1, .success(20))
        collector.set(1, .success(98))
        XCTAssertEqual(try XCTUnwrap(outcomes.only).get(), [10, 20, 30])
    }

    func testTheFirstFailureIsReportedOnceAndLaterResultsAreIgnored() {
        let outcomes = Outcomes<[Int]>()
        let collector = ScoreCollector<Int>(count: 3, onDone: outcomes.onFinish)
        collector.set(0, .success(1))
        collector.set(1, .failure(.cancelled))
        collector.set(2, .success(3))
        collector.set(2, .failure(.superseded))
        guard case .failure(.cancelled) = outcomes.only else { return XCTFail("\(outcomes.reported)") }
    }

    func testResultsFromManyThreadsReportOnce() throws {
        let outcomes = Outcomes<[Int]>()
        let collector = ScoreCollector<Int>(count: 64, onDone: outcomes.onFinish)
        DispatchQueue.concurrentPerform(iterations: 64) { collector.set($0, .success($0)) }
        XCTAssertEqual(try XCTUnwrap(outcomes.only).get(), Array(0..<64))
    }

    func testNothingToCollectReportsAtOnce() throws {
        let outcomes = Outcomes<[Int]>()
        _ = ScoreCollector<Int>(count: 0, onDone: outcomes.onFinish)
        XCTAssertEqual(try XCTUnwrap(outcomes.only).get(), [])
    }
}
