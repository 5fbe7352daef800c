import XCTest
@testable import Engine

/// Block pools of several models sharing one `CacheBudget`.
final class CacheBudgetTests: XCTestCase {
    /// A pool of 8 blocks of 4 tokens, 10 bytes each, whose discarded blocks are recorded in `discarded`.
    private func pool(_ budget: CacheBudget, _ discarded: DiscardLog) -> BlockPool {
        let pool = BlockPool(blockSize: 4, capacity: 8, budget: budget, bytesPerBlock: 10)
        pool.discard = { [unowned pool] in discarded.record(pool, $0) }
        return pool
    }

    /// Caches a prompt of `blocks` full blocks in `pool` and lets go of it (the document is idle).
    private func cache(_ pool: BlockPool, first: Int, blocks: Int) -> [Int] {
        _ = pool.match([])
        let table = (0..<blocks).compactMap { _ in pool.allocate() }
        XCTAssertEqual(table.count, blocks, "the budget refused blocks it should have made room for")
        pool.cache(tokens: Array(first..<first + 4 * blocks), blockTable: table)
        pool.free(table)
        return table
    }

    func testAModelInUseTakesTheMemoryOfTheModelIdleLongest() {
        let budget = CacheBudget(bytes: 40), log = DiscardLog()
        let (a, b, c) = (pool(budget, log), pool(budget, log), pool(budget, log))
        let idleLongest = cache(a, first: 100, blocks: 2)
        _ = cache(b, first: 200, blocks: 2)
        XCTAssertEqual(budget.bytesCharged, 40)
        _ = cache(c, first: 300, blocks: 2)
        XCTAssertEqual(Set(log.blocks(of: a)), Set(idleLongest), "the model idle longest should give its blocks back")
        XCTAssertEqual(log.blocks(of: b), [])
        XCTAssertEqual(a.statistics.blocksResident, 0)
        XCTAssertEqual(b.statistics.blocksResident, 2)
        XCTAssertEqual(c.statistics.blocksResident, 2)
        XCTAssertEqual(budget.bytesCharged, 40)
        XCTAssertEqual(a.match(Array(100..<108)).reusedTokens, 0, "a given-back block is still in the prefix index")
    }

    func testBlocksInUseAreNeverTakenAndTheModelFallsBackOnItsOwnCache() {
        let budget = CacheBudget(bytes: 40), log = DiscardLog()
        let (a, b) = (pool(budget, log), pool(budget, log))
        let held = (0..<3).compactMap { _ in a.allocate() }
        XCTAssertEqual(held.count, 3)
        _ = cache(b, first: 0, blocks: 1)
        // b may not take a's blocks in use; its next block is its own cached one, evicted.
        XCTAssertNotNil(b.allocate())
        XCTAssertEqual(log.blocks(of: a), [])
        XCTAssertEqual(b.statistics.evictions, 1)
        XCTAssertNil(b.allocate(), "the budget is spent and nothing is free: the caller must wait")
        XCTAssertEqual(budget.bytesCharged, 40)
    }

    func testChargesMatchTheResidentBlocksThroughAnyMix() {
        let budget = CacheBudget(bytes: 60), log = DiscardLog()
        let pools = [pool(budget, log), pool(budget, log), pool(budget, log)]
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            let pool = pools[Int.random(in: 0..<3, using: &generator)]
            _ = pool.match([])
            let table = (0..<Int.random(in: 1...4, using: &generator)).compactMap { _ in pool.allocate() }
            pool.cache(tokens: Array(round * 16..<round * 16 + 4 * table.count), blockTable: table)
            pool.free(table)
            let resident = pools.reduce(0) { $0 + $1.statistics.blocksResident * 10 }
            XCTAssertEqual(resident, budget.bytesCharged, "round \(round)")
            XCTAssertLessThanOrEqual(budget.bytesCharged, budget.bytes, "round \(round)")
        }
    }
}

/// Which blocks each pool gave back to the budget.
private final class DiscardLog {
    private var entries: [(pool: ObjectIdentifier, block: Int)] = []
    func record(_ pool: BlockPool, _ block: Int) { entries.append((ObjectIdentifier(pool), block)) }
    func blocks(of pool: BlockPool) -> [Int] {
        entries.filter { $0.pool == ObjectIdentifier(pool) }.map(\.block)
    }
}
