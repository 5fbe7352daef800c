import Model

/// A KV block pool that also hands out its blocks, for tests that run `GPTModel.forward` directly (the engine's
/// `BlockPool` does this for the server): the lowest free block first.
///
/// Threading rule: like the pool, one thread.
public final class TestKVPool: KVBlockPool {
    /// Free blocks, the next to hand out last. Made at the first `allocate`.
    private lazy var freeList: [Int] = Array((0..<capacity).reversed())

    /// A free block, or nil when the pool is exhausted.
    public func allocate() -> Int? { freeList.popLast() }

    /// Returns a block to the pool; the caller guarantees nobody still uses it.
    public func free(_ block: Int) {
        precondition((0..<capacity).contains(block), "block \(block) is not in this pool")
        freeList.append(block)
    }
}
