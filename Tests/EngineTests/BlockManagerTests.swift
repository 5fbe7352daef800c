import XCTest
@testable import Engine

final class BlockManagerTests: XCTestCase {
    /// Allocates blocks for `tokens` after a match, the way the scheduler does, and registers them.
    private func run(_ manager: BlockManager, _ tokens: [Int]) -> (match: BlockManager.PrefixMatch, table: [Int]) {
        let match = manager.match(Array(tokens.dropLast()))
        var table = match.blocks
        let needed = (tokens.count + manager.blockSize - 1) / manager.blockSize
        while table.count < needed {
            guard let block = manager.allocate(keeping: match.copy?.block) else { XCTFail("pool exhausted"); break }
            table.append(block)
        }
        manager.register(tokens: tokens, blockTable: table)
        return (match, table)
    }

    func testAppendingOneTokenReusesEverythingBeforeIt() {
        let manager = BlockManager(blockSize: 4, capacity: 16)
        let prompt: [Int] = Array(1...10)
        let first = run(manager, prompt)
        XCTAssertEqual(first.match.reusedTokens, 0)
        manager.release(first.table)

        let second = run(manager, prompt + [11])
        // 8 tokens in two full shared blocks, and the partial third block (9, 10) copied: 10 reused, 1 computed.
        XCTAssertEqual(second.match.blocks, Array(first.table.prefix(2)))
        XCTAssertEqual(second.match.copy?.block, first.table[2])
        XCTAssertEqual(second.match.copy?.tokens, 2)
        XCTAssertEqual(second.match.reusedTokens, 10)
    }

    func testAnEditInTheMiddleReusesOnlyBlocksBeforeIt() {
        let manager = BlockManager(blockSize: 4, capacity: 16)
        let prompt: [Int] = Array(1...12)
        manager.release(run(manager, prompt).table)
        var edited = prompt
        edited[5] = 99
        let match = manager.match(Array(edited.dropLast()))
        XCTAssertEqual(match.blocks.count, 1)
        XCTAssertEqual(match.copy?.tokens, 1)  // token 5 of block 1 still agrees
        XCTAssertEqual(match.reusedTokens, 5)
        manager.release(match.blocks)
    }

    func testSharedFullBlocksAreReferenceCountedAndPartialOnesAreNeverShared() {
        let manager = BlockManager(blockSize: 4, capacity: 16)
        let a = run(manager, Array(1...6))
        let b = run(manager, Array(1...6) + [7])
        XCTAssertEqual(manager.referenceCount(of: a.table[0]), 2)
        XCTAssertNotEqual(a.table[1], b.table[1])
        manager.release(a.table)
        manager.release(b.table)
        XCTAssertEqual(manager.blocksInUse, 0)
    }

    func testEvictionKeepsWithinCapacityAndTakesLeastRecentlyUsedFirst() {
        let manager = BlockManager(blockSize: 2, capacity: 4)
        let old = run(manager, [1, 2, 3, 4])
        manager.release(old.table)
        let recent = run(manager, [5, 6, 7, 8])
        manager.release(recent.table)
        // A third prompt of two blocks must evict the two blocks of the oldest prompt.
        let third = run(manager, [9, 10, 11, 12])
        XCTAssertEqual(Set(third.table), Set(old.table))
        XCTAssertEqual(manager.statistics.evictions, 2)
        XCTAssertEqual(manager.match([5, 6, 7]).reusedTokens, 3)
        XCTAssertEqual(manager.match([1, 2, 3]).reusedTokens, 0)
    }

    func testPartialBlocksAreEvictedBeforeOlderFullBlocks() {
        let manager = BlockManager(blockSize: 2, capacity: 4)
        let idle = run(manager, [1, 2, 3, 4])  // an idle document: two full blocks, the oldest in the cache
        manager.release(idle.table)
        let typed = run(manager, [5, 6, 7])  // a document being typed: a full block and a partial one
        manager.release(typed.table)
        // One new block must take the partial block, although the idle document's blocks are older.
        let block = manager.allocate()
        XCTAssertEqual(block, typed.table[1])
        XCTAssertEqual(manager.match([1, 2, 3, 4]).reusedTokens, 4)
        XCTAssertEqual(manager.match([5, 6, 7]).reusedTokens, 2)
    }

    func testAllocationFailsWhenEveryBlockIsReferenced() {
        let manager = BlockManager(blockSize: 2, capacity: 2)
        let held = run(manager, [1, 2, 3])
        XCTAssertNil(manager.allocate())
        manager.release(held.table)
        XCTAssertNotNil(manager.allocate())
    }

    func testCopySourceIsNotEvictedForItsOwnCopy() {
        let manager = BlockManager(blockSize: 4, capacity: 1)
        manager.release(run(manager, [1, 2, 3]).table)
        let match = manager.match([1, 2, 3])
        XCTAssertEqual(match.copy?.tokens, 3)
        XCTAssertNil(manager.allocate(keeping: match.copy?.block))
    }

    func testBlockAccountingReturnsToZeroWhenEverythingIsReleasedAndCleared() {
        let manager = BlockManager(blockSize: 3, capacity: 32)
        var tables: [[Int]] = []
        for n in 1...20 { tables.append(run(manager, (0..<n).map { $0 % 7 }).table) }
        for table in tables { manager.release(table) }
        XCTAssertEqual(manager.blocksInUse, 0)
        manager.clearCache()
        XCTAssertEqual(manager.blocksCached, 0)
        // Every block can be allocated again exactly once.
        var seen = Set<Int>()
        while let block = manager.allocate() { seen.insert(block) }
        XCTAssertEqual(seen.count, 32)
    }
}
