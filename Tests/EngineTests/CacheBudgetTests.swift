import XCTest
@testable import Engine

/// Block managers of several models sharing one `CacheBudget`.
final class CacheBudgetTests: XCTestCase {
    /// A manager of 8 blocks of 4 tokens, 10 bytes each, whose discarded blocks are recorded in `discarded`.
    private func manager(_ budget: CacheBudget, _ discarded: DiscardLog) -> BlockManager {
        let manager = BlockManager(blockSize: 4, capacity: 8, budget: budget, bytesPerBlock: 10)
        manager.discard = { [unowned manager] in discarded.record(manager, $0) }
        return manager
    }

    /// Caches a prompt of `blocks` full blocks in `manager` and lets go of it (the document is idle).
    private func cache(_ manager: BlockManager, first: Int, blocks: Int) -> [Int] {
        _ = manager.match([])
        let table = (0..<blocks).compactMap { _ in manager.allocate() }
        XCTAssertEqual(table.count, blocks, "the budget refused blocks it should have made room for")
        manager.register(tokens: Array(first..<first + 4 * blocks), blockTable: table)
        manager.release(table)
        return table
    }

    func testAModelInUseTakesTheMemoryOfTheModelIdleLongest() {
        let budget = CacheBudget(bytes: 40), log = DiscardLog()
        let (a, b, c) = (manager(budget, log), manager(budget, log), manager(budget, log))
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
        let (a, b) = (manager(budget, log), manager(budget, log))
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
        let managers = [manager(budget, log), manager(budget, log), manager(budget, log)]
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            let manager = managers[Int.random(in: 0..<3, using: &generator)]
            _ = manager.match([])
            let table = (0..<Int.random(in: 1...4, using: &generator)).compactMap { _ in manager.allocate() }
            manager.register(tokens: Array(round * 16..<round * 16 + 4 * table.count), blockTable: table)
            manager.release(table)
            let resident = managers.reduce(0) { $0 + $1.statistics.blocksResident * 10 }
            XCTAssertEqual(resident, budget.bytesCharged, "round \(round)")
            XCTAssertLessThanOrEqual(budget.bytesCharged, budget.bytes, "round \(round)")
        }
    }
}

/// Which blocks each manager gave back to the budget.
private final class DiscardLog {
    private var entries: [(manager: ObjectIdentifier, block: Int)] = []
    func record(_ manager: BlockManager, _ block: Int) { entries.append((ObjectIdentifier(manager), block)) }
    func blocks(of manager: BlockManager) -> [Int] {
        entries.filter { $0.manager == ObjectIdentifier(manager) }.map(\.block)
    }
}
