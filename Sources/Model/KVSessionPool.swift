/// A KV block pool that also hands out its blocks, for `GPTSession`s (the CLI's generate and bench, tests): the
/// lowest free block first.
///
/// The engine uses a plain `KVBlockPool`: its BlockManager keeps the one free list of the server's blocks.
/// Threading rule: like the pool, one thread.
public final class KVSessionPool: KVBlockPool {
    /// Free blocks, the next to hand out last. Made at the first `allocate`.
    private lazy var freeList: [Int] = Array((0..<capacity).reversed())

    /// Blocks not handed out.
    public var freeCount: Int { freeList.count }

    /// A free block, or nil when the pool is exhausted.
    public func allocate() -> Int? { freeList.popLast() }

    /// Returns a block to the pool; the caller guarantees nobody still uses it.
    public func free(_ block: Int) {
        precondition((0..<capacity).contains(block), "block \(block) is not in this pool")
        freeList.append(block)
    }
}
