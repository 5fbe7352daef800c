import XCTest
@testable import Engine

final class FreeBlockQueueTests: XCTestCase {
    func testBlocksLeaveInTheOrderTheyCameIn() {
        var queue = FreeBlockQueue(capacity: 8)
        XCTAssertTrue(queue.isEmpty)
        XCTAssertNil(queue.first)
        for block in [5, 2, 7, 0] { queue.append(block) }
        XCTAssertEqual(Array(queue), [5, 2, 7, 0])
        XCTAssertEqual(queue.count, 4)
        XCTAssertEqual(queue.popFirst(), 5)
        XCTAssertEqual(queue.popFirst(), 2)
        queue.append(5)
        XCTAssertEqual(Array(queue), [7, 0, 5])
        XCTAssertEqual([queue.popFirst(), queue.popFirst(), queue.popFirst(), queue.popFirst()], [7, 0, 5, nil])
        XCTAssertTrue(queue.isEmpty)
    }

    func testRemovingFromTheMiddleFrontOrBackKeepsTheOthersInOrder() {
        var queue = FreeBlockQueue(capacity: 6)
        for block in 0..<6 { queue.append(block) }
        queue.remove(3)
        XCTAssertEqual(Array(queue), [0, 1, 2, 4, 5])
        queue.remove(0)
        queue.remove(5)
        XCTAssertEqual(Array(queue), [1, 2, 4])
        XCTAssertFalse(queue.contains(3))
        XCTAssertTrue(queue.contains(4))
        // A block used again goes to the back.
        queue.remove(1)
        queue.append(1)
        queue.append(3)
        XCTAssertEqual(Array(queue), [2, 4, 1, 3])
        XCTAssertEqual(queue.count, 4)
        XCTAssertEqual(queue.first, 2)
    }

    func testTheFrontCanBeSkippedForAKeptBlock() {
        var queue = FreeBlockQueue(capacity: 4)
        queue.append(2)
        XCTAssertEqual(queue.first(excluding: 2), nil)
        XCTAssertEqual(queue.first(excluding: 1), 2)
        queue.append(0)
        XCTAssertEqual(queue.first(excluding: 2), 0)
        XCTAssertEqual(queue.first(excluding: 0), 2)
        XCTAssertEqual(queue.first(excluding: nil), 2)
    }
}
