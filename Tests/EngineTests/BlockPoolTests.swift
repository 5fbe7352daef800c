import XCTest
@testable import Engine

final class BlockPoolTests: XCTestCase {
    /// Allocates blocks for `tokens` after a match, the way the engine does, and caches them.
    private func run(_ pool: BlockPool, _ tokens: [Int]) -> (match: BlockPool.PrefixMatch, table: [Int]) {
        let match = pool.match(Array(tokens.dropLast()))
        var table = match.blocks
        let needed = (tokens.count + pool.blockSize - 1) / pool.blockSize
        while table.count < needed {
            guard let block = pool.allocate(keeping: match.copy?.block) else { XCTFail("pool exhausted"); break }
            table.append(block)
        }
        pool.cache(tokens: tokens, blockTable: table)
        return (match, table)
    }

    func testAppendingOneTokenReusesEverythingBeforeIt() {
        let pool = BlockPool(blockSize: 4, capacity: 16)
        let prompt: [Int] = Array(1...10)
        let first = run(pool, prompt)
        XCTAssertEqual(first.match.reusedTokens, 0)
        pool.free(first.table)

        let second = run(pool, prompt + [11])
        // 8 tokens in two full shared blocks, and the partial third block (9, 10) copied: 10 reused, 1 computed.
        XCTAssertEqual(second.match.blocks, Array(first.table.prefix(2)))
        XCTAssertEqual(second.match.copy?.block, first.table[2])
        XCTAssertEqual(second.match.copy?.tokens, 2)
        XCTAssertEqual(second.match.reusedTokens, 10)
    }

    func testAnEditInTheMiddleReusesOnlyBlocksBeforeIt() {
        let pool = BlockPool(blockSize: 4, capacity: 16)
        let prompt: [Int] = Array(1...12)
        pool.free(run(pool, prompt).table)
        var edited = prompt
        edited[5] = 99
        let match = pool.match(Array(edited.dropLast()))
        XCTAssertEqual(match.blocks.count, 1)
        XCTAssertEqual(match.copy?.tokens, 1)  // token 5 of block 1 still agrees
        XCTAssertEqual(match.reusedTokens, 5)
        pool.free(match.blocks)
    }

    func testSharedFullBlocksAreReferenceCountedAndPartialOnesAreNeverShared() {
        let pool = BlockPool(blockSize: 4, capacity: 16)
        let a = run(pool, Array(1...6))
        let b = run(pool, Array(1...6) + [7])
        XCTAssertEqual(pool.referenceCount(of: a.table[0]), 2)
        XCTAssertNotEqual(a.table[1], b.table[1])
        pool.free(a.table)
        pool.free(b.table)
        XCTAssertEqual(pool.blocksInUse, 0)
    }

    func testEvictionKeepsWithinCapacityAndTakesLeastRecentlyUsedFirst() {
        let pool = BlockPool(blockSize: 2, capacity: 4)
        let old = run(pool, [1, 2, 3, 4])
        pool.free(old.table)
        let recent = run(pool, [5, 6, 7, 8])
        pool.free(recent.table)
        // A third prompt of two blocks must evict the two blocks of the oldest prompt.
        let third = run(pool, [9, 10, 11, 12])
        XCTAssertEqual(Set(third.table), Set(old.table))
        XCTAssertEqual(pool.statistics.evictions, 2)
        XCTAssertEqual(pool.match([5, 6, 7]).reusedTokens, 3)
        XCTAssertEqual(pool.match([1, 2, 3]).reusedTokens, 0)
    }

    func testPartialBlocksAreEvictedBeforeOlderFullBlocks() {
        let pool = BlockPool(blockSize: 2, capacity: 4)
        let idle = run(pool, [1, 2, 3, 4])  // an idle document: two full blocks, the oldest in the cache
        pool.free(idle.table)
        let typed = run(pool, [5, 6, 7])  // a document being typed: a full block and a partial one
        pool.free(typed.table)
        // One new block must take the partial block, although the idle document's blocks are older.
        let block = pool.allocate()
        XCTAssertEqual(block, typed.table[1])
        XCTAssertEqual(pool.match([1, 2, 3, 4]).reusedTokens, 4)
        XCTAssertEqual(pool.match([5, 6, 7]).reusedTokens, 2)
    }

    func testAllocationFailsWhenEveryBlockIsReferenced() {
        let pool = BlockPool(blockSize: 2, capacity: 2)
        let held = run(pool, [1, 2, 3])
        XCTAssertNil(pool.allocate())
        pool.free(held.table)
        XCTAssertNotNil(pool.allocate())
    }

    func testCopySourceIsNotEvictedForItsOwnCopy() {
        let pool = BlockPool(blockSize: 4, capacity: 1)
        pool.free(run(pool, [1, 2, 3]).table)
        let match = pool.match([1, 2, 3])
        XCTAssertEqual(match.copy?.tokens, 3)
        XCTAssertNil(pool.allocate(keeping: match.copy?.block))
    }

    func testBlockAccountingReturnsToZeroWhenEverythingIsReleasedAndCleared() {
        let pool = BlockPool(blockSize: 3, capacity: 32)
        var tables: [[Int]] = []
        for n in 1...20 { tables.append(run(pool, (0..<n).map { $0 % 7 }).table) }
        for table in tables { pool.free(table) }
        XCTAssertEqual(pool.blocksInUse, 0)
        pool.clearCache()
        XCTAssertEqual(pool.blocksCached, 0)
        // Every block can be allocated again exactly once.
        var seen = Set<Int>()
        while let block = pool.allocate() { seen.insert(block) }
        XCTAssertEqual(seen.count, 32)
    }

    /// Each freed table enters the queue deepest block first, after the tables freed before it; a copy source looked up
    /// moves to the back, a block taken again leaves from the middle; partial blocks go before full ones.
    func testEvictionOrderFollowsFreesAndLookups() {
        let pool = BlockPool(blockSize: 2, capacity: 6)
        let a = run(pool, [1, 2, 3, 4]), b = run(pool, [5, 6, 7, 8]), c = run(pool, [9, 10, 11])
        XCTAssertEqual(a.table + b.table + c.table, [0, 1, 2, 3, 4, 5])
        for table in [a.table, b.table, c.table] { pool.free(table) }
        // Full blocks now leave in the order 1, 0, 3, 2, 4; the partial block 5 before them all.
        let match = pool.match([1, 2, 3])  // takes block 0 out of the middle, looks block 1 up as a copy source
        XCTAssertEqual(match.blocks, [0])
        XCTAssertEqual(match.copy?.block, 1)
        var evicted: [Int] = []
        while let block = pool.allocate() { evicted.append(block) }
        XCTAssertEqual(evicted, [5, 3, 2, 4, 1])
        XCTAssertEqual(pool.statistics.evictions, 5)
        XCTAssertEqual(pool.blocksCached, 1, "only the referenced block 0 stays indexed")
    }

    func testBlocksTakenAgainAreEvictedAfterTheOnesLeftAlone() {
        let pool = BlockPool(blockSize: 2, capacity: 6)
        let a = run(pool, [1, 2, 3, 4])
        pool.free(a.table)
        pool.free(run(pool, [5, 6, 7, 8]).table)
        let again = run(pool, [1, 2, 3, 4, 9])  // reuses both of a's blocks and adds a partial one
        XCTAssertEqual(again.match.blocks, a.table)
        XCTAssertEqual(again.table, [0, 1, 4])
        pool.free(again.table)
        var handedOut: [Int] = []
        while let block = pool.allocate() { handedOut.append(block) }
        // The never-written block, then the partial one, then b's blocks, then a's (used last), each deepest first.
        XCTAssertEqual(handedOut, [5, 4, 3, 2, 1, 0])
        XCTAssertEqual(pool.statistics.evictions, 5)
    }

    func testFreeBlocksWithoutContentGoBeforeAnyEvictionMostRecentlyFreedFirst() {
        let pool = BlockPool(blockSize: 2, capacity: 4)
        pool.free(run(pool, [1, 2]).table)  // block 0, cached
        let plain = (0..<3).compactMap { _ in pool.allocate() }
        XCTAssertEqual(plain, [1, 2, 3])
        pool.free([1, 2])
        XCTAssertEqual(pool.statistics.blocksHeld, 2)
        XCTAssertEqual([pool.allocate(), pool.allocate(), pool.allocate()], [2, 1, 0])
        XCTAssertEqual(pool.statistics.evictions, 1)
        XCTAssertEqual(pool.blocksInUse, 4)
        XCTAssertNil(pool.allocate())
    }
}
