import XCTest
@testable import Engine

final class PrefixIndexTests: XCTestCase {
    func testTheLongestChainOfFullBlocksIsFoundThenTheBestPartialMatch() {
        var index = PrefixIndex(blockSize: 3)
        XCTAssertEqual(index.insert(tokens: [1, 2, 3, 4, 5, 6, 7], blockTable: [10, 11, 12]), [])
        XCTAssertEqual(index.count, 3)
        let found = index.longestPrefix(of: [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(found.blocks, [10, 11])
        XCTAssertEqual(found.copy?.block, 12)
        XCTAssertEqual(found.copy?.tokens, 1)
        // The same tokens at other positions are another prefix.
        XCTAssertEqual(index.longestPrefix(of: [4, 5, 6, 1, 2, 3]).blocks, [])
        XCTAssertNil(index.longestPrefix(of: [4, 5, 6, 1, 2, 3]).copy)
        // A block that agrees only in part is copied, not shared, however full it is.
        let edited = index.longestPrefix(of: [1, 2, 3, 4, 9])
        XCTAssertEqual(edited.blocks, [10])
        XCTAssertEqual(edited.copy?.block, 11)
        XCTAssertEqual(edited.copy?.tokens, 1)
        XCTAssertFalse(index.isPartial(11))
        XCTAssertTrue(index.isPartial(12))
    }

    func testAFullBlockAlreadyIndexedUnderAnotherBlockEndsTheChain() {
        var index = PrefixIndex(blockSize: 2)
        _ = index.insert(tokens: [1, 2, 3, 4], blockTable: [0, 1])
        // The same content computed by a second sequence at once: its blocks stay private.
        _ = index.insert(tokens: [1, 2, 3, 4, 5], blockTable: [2, 3, 4])
        XCTAssertFalse(index.contains(2))
        XCTAssertFalse(index.contains(4))
        XCTAssertEqual(index.longestPrefix(of: [1, 2, 3, 4]).blocks, [0, 1])
    }

    func testABlockIndexedAgainWithOtherContentDropsItsDescendants() {
        var index = PrefixIndex(blockSize: 2)
        _ = index.insert(tokens: [1, 2, 3, 4, 5, 6, 7], blockTable: [0, 1, 2, 3])
        // Block 1 now holds other tokens: blocks 2 and 3 hung off its old content.
        let dropped = index.insert(tokens: [1, 2, 9], blockTable: [0, 1])
        XCTAssertEqual(dropped, [3, 2])
        XCTAssertEqual(index.count, 2)
        XCTAssertEqual(index.longestPrefix(of: [1, 2, 9]).copy?.tokens, 1)
        XCTAssertEqual(index.longestPrefix(of: [1, 2, 3, 4]).blocks, [0])
    }

    func testRemovingABlockRemovesEverythingAfterIt() {
        var index = PrefixIndex(blockSize: 2)
        _ = index.insert(tokens: [1, 2, 3, 4, 5], blockTable: [0, 1, 2])
        _ = index.insert(tokens: [1, 2, 7, 8], blockTable: [0, 3])
        XCTAssertEqual(Set(index.remove(0)), [1, 2, 3])
        XCTAssertEqual(index.count, 0)
        XCTAssertEqual(index.remove(0), [])
        XCTAssertEqual(index.longestPrefix(of: [1, 2, 3]).blocks, [])
    }
}
