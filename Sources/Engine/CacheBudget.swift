/// One KV cache memory budget shared by the block pools of every model of an engine.
///
/// Each model's pool has address space for the whole budget, but a block costs memory only once it has been
/// written: the budget counts those blocks (charged when a pool first hands one out, until it is reclaimed).
/// When a pool needs a fresh block and the budget is spent, it takes memory back from the other pools, least
/// recently active first: a free block of theirs, else an unreferenced cached block (evicted). Their memory goes
/// back to the system, so the models in use grow into the memory of models idle since, and the process's KV
/// memory stays within one total however many models it serves.
///
/// Threading: the engine thread only, like the pools. Complexity: reclaiming a block scans the pools (one per model).
public final class CacheBudget {
    /// The total, in bytes.
    public let bytes: Int
    /// Bytes of blocks the pools have written and not given back.
    public private(set) var bytesCharged = 0
    private var pools: [BlockPool] = []
    private var clock: UInt64 = 0

    public init(bytes: Int) {
        precondition(bytes > 0, "a cache budget needs a positive size")
        self.bytes = bytes
    }

    /// A value of the shared activity clock: later calls return larger values.
    func tick() -> UInt64 {
        clock += 1
        return clock
    }

    func join(_ pool: BlockPool) {
        pools.append(pool)
    }

    /// Charges `amount` bytes for `requester`, reclaiming blocks from the other pools (least recently active
    /// first) while the budget is short. Returns false, charging nothing, when they have nothing left to give.
    func charge(_ amount: Int, for requester: BlockPool) -> Bool {
        while bytes - bytesCharged < amount {
            let donor = pools.filter { $0 !== requester && $0.canGiveBack }.min { $0.lastActive < $1.lastActive }
            guard let donor else { return false }
            donor.giveBack()
        }
        bytesCharged += amount
        return true
    }

    func uncharge(_ amount: Int) {
        bytesCharged -= amount
    }
}
