/// Hands out one model's KV cache blocks, counts their references, and keeps the blocks a later prompt can reuse.
///
/// A block holds the keys and values of `blockSize` consecutive positions of one sequence. A new prompt takes every
/// block of its longest cached prefix (`match`, through the `PrefixIndex`); a sequence's computed blocks are indexed
/// with `cache` and dropped with `free`. A full block never changes again and is shared by reference; a partially
/// filled one is never shared, because its owner keeps writing into it: a prompt that agrees with part of one gets a
/// copy (`PrefixMatch.copy`).
///
/// Which block `allocate` hands out: a free block with no cached content (the most recently freed first), else one
/// never written, else it evicts an unreferenced cached block: a partial one if any, else a full one, each the least
/// recently used first (two `FreeBlockQueue`s, so eviction is O(1)). Every keystroke leaves a partial block behind
/// (the superseded request's, once the next one has copied it), and losing one costs at most `blockSize - 1`
/// positions of recompute; a full block of an idle document costs itself and everything after it. Plain LRU let a
/// few seconds of typing evict the documents an editor returns to.
///
/// With a `CacheBudget`, the pools of an engine's models share one memory total: a block never written (`pristine`)
/// costs nothing, and a pool that cannot charge a fresh block evicts its own blocks as above.
///
/// Threading: not thread-safe; owned by the engine thread. Complexity: `match` and `cache` are O(prompt tokens),
/// `allocate` and `free` O(1) per block, plus the descendants an eviction drops from the index.
public final class BlockPool {
    public let blockSize: Int
    public let capacity: Int

    /// What a prompt can reuse: shared full blocks (a reference is taken on each), and optionally a block to copy
    /// the first `tokens` positions from into the sequence's next block.
    public struct PrefixMatch: Equatable {
        public var blocks: [Int]
        public var copy: (block: Int, tokens: Int)?
        public var reusedTokens: Int

        public static func == (a: PrefixMatch, b: PrefixMatch) -> Bool {
            a.blocks == b.blocks && a.copy?.block == b.copy?.block && a.copy?.tokens == b.copy?.tokens
                && a.reusedTokens == b.reusedTokens
        }
    }

    /// Cache figures of one pool.
    public struct Statistics: Equatable, Sendable {
        public var blocksInUse = 0
        public var blocksCached = 0
        /// Blocks not free: referenced, cached, or both.
        public var blocksHeld = 0
        public var lookups = 0
        public var tokensLookedUp = 0
        public var tokensReused = 0
        public var evictions = 0
        /// Blocks written at some point and not given back to a shared budget: what the cache holds in memory.
        public var blocksResident = 0
    }

    private var referenceCounts: [Int]
    /// Unreferenced blocks with no cached content whose memory is charged, the next to hand out last.
    private var freeBlocks: [Int] = []
    /// Blocks never written or given back to the budget, the next to hand out last.
    private var pristine: [Int]
    /// Unreferenced cached blocks, evicted in this order: every partial block before any full one.
    private var partialQueue: FreeBlockQueue
    private var fullQueue: FreeBlockQueue
    private var index: PrefixIndex
    private let budget: CacheBudget?
    private let bytesPerBlock: Int
    /// Returns a block's memory to the system (the model's pool); called when a block goes back to the budget.
    public var discard: ((Int) -> Void)?
    /// When this pool last looked up or cached a prompt, on the budget's clock.
    private(set) var lastActive: UInt64 = 0
    private(set) public var statistics = Statistics()

    /// A pool of `capacity` blocks; with `budget`, a fresh block is handed out only when the budget can charge its
    /// `bytesPerBlock`.
    public init(blockSize: Int, capacity: Int, budget: CacheBudget? = nil, bytesPerBlock: Int = 0) {
        precondition(blockSize > 0 && capacity > 0)
        self.blockSize = blockSize
        self.capacity = capacity
        self.budget = budget
        self.bytesPerBlock = bytesPerBlock
        referenceCounts = Array(repeating: 0, count: capacity)
        pristine = Array((0..<capacity).reversed())
        partialQueue = FreeBlockQueue(capacity: capacity)
        fullQueue = FreeBlockQueue(capacity: capacity)
        index = PrefixIndex(blockSize: blockSize)
        budget?.join(self)
    }

    /// Number of blocks some sequence references.
    public var blocksInUse: Int { statistics.blocksInUse }

    /// Number of blocks that hold indexed, reusable content (referenced or not).
    public var blocksCached: Int { index.count }

    public func referenceCount(of block: Int) -> Int { referenceCounts[block] }

    /// Finds the longest cached prefix of `tokens`, takes a reference on each shared full block and returns it.
    ///
    /// The caller passes at most the prompt minus its last token: the last token must be computed to get logits.
    public func match(_ tokens: [Int]) -> PrefixMatch {
        markActive()
        let (blocks, copy) = index.longestPrefix(of: tokens)
        for block in blocks { reference(block) }
        if let copy { touch(copy.block) }
        let reused = blocks.count * blockSize + (copy?.tokens ?? 0)
        statistics.lookups += 1
        statistics.tokensLookedUp += tokens.count
        statistics.tokensReused += reused
        refreshCounts()
        return PrefixMatch(blocks: blocks, copy: copy, reusedTokens: reused)
    }

    /// A fresh block with one reference, evicting an unreferenced cached block if the pool is full. Returns nil when
    /// every block is referenced: the caller must wait or refuse the work.
    ///
    /// `keeping` protects a block from eviction (the source of a pending copy).
    public func allocate(keeping: Int? = nil) -> Int? {
        guard let block = freeBlocks.popLast() ?? takePristine() ?? evict(keeping: keeping) else { return nil }
        reference(block)
        refreshCounts()
        return block
    }

    /// Indexes the contents of a sequence's blocks so later prompts can reuse them: full blocks by reference, the last
    /// partial block by copy. `tokens` are the tokens whose keys and values have been computed.
    ///
    /// Call it whenever a sequence's computed prefix has grown enough to be worth sharing and when it ends.
    /// A block whose content is already indexed under another block stays private.
    public func cache(tokens: [Int], blockTable: [Int]) {
        markActive()
        for block in index.insert(tokens: tokens, blockTable: blockTable) { dropped(block) }
        for block in blockTable.reversed() { touch(block) }
        refreshCounts()
    }

    /// Drops one reference from each block. Unreferenced blocks that hold no indexed content are free again;
    /// indexed ones stay cached until evicted, the table's last block first.
    public func free(_ blocks: [Int]) {
        var cached: [Int] = []
        for block in blocks {
            precondition(referenceCounts[block] > 0, "block \(block) freed more often than referenced")
            referenceCounts[block] -= 1
            guard referenceCounts[block] == 0 else { continue }
            statistics.blocksInUse -= 1
            if index.contains(block) { cached.append(block) } else { freeBlocks.append(block) }
        }
        for block in cached.reversed() { enqueue(block) }
        refreshCounts()
    }

    /// Forgets every cached block no one references (configuration change, tests).
    public func clearCache() {
        while let block = partialQueue.first ?? fullQueue.first {
            dequeue(block)
            forget(block)
            freeBlocks.append(block)
        }
        refreshCounts()
    }

    // MARK: - Shared budget

    /// Whether this pool has a written block it could give back to the budget (free, or cached and unreferenced).
    var canGiveBack: Bool { !freeBlocks.isEmpty || evictionVictim(except: nil) != nil }

    /// Gives one written block back to the budget: a free one, else the block `allocate` would evict.
    func giveBack() {
        guard let block = freeBlocks.popLast() ?? evict(keeping: nil) else { return }
        discard?(block)
        pristine.append(block)
        budget?.uncharge(bytesPerBlock)
        refreshCounts()
    }

    /// A block never written, if the budget (when there is one) can pay for it.
    private func takePristine() -> Int? {
        guard !pristine.isEmpty else { return nil }
        if let budget, !budget.charge(bytesPerBlock, for: self) { return nil }
        return pristine.popLast()
    }

    private func markActive() {
        if let budget { lastActive = budget.tick() }
    }

    // MARK: - Eviction

    /// The unreferenced cached block to evict: the front of the partial queue, else of the full one.
    private func evictionVictim(except kept: Int?) -> Int? {
        partialQueue.first(excluding: kept) ?? fullQueue.first(excluding: kept)
    }

    /// Evicts the next victim and returns it, unreferenced and out of the index; nil when nothing can be evicted.
    private func evict(keeping kept: Int?) -> Int? {
        guard let victim = evictionVictim(except: kept) else { return nil }
        dequeue(victim)
        forget(victim)
        statistics.evictions += 1
        return victim
    }

    /// Removes a block and its descendants from the index. Descendants of an unreferenced block are unreferenced
    /// too, since a sequence holding a block holds every block before it: they are free again.
    private func forget(_ block: Int) {
        for descendant in index.remove(block) { dropped(descendant) }
    }

    /// A block the index no longer holds: free again if unreferenced.
    private func dropped(_ block: Int) {
        guard referenceCounts[block] == 0 else { return }
        dequeue(block)
        freeBlocks.append(block)
    }

    private func reference(_ block: Int) {
        if referenceCounts[block] == 0 {
            dequeue(block)
            statistics.blocksInUse += 1
        }
        referenceCounts[block] += 1
    }

    /// Marks an unreferenced cached block as just used: the back of its queue. Referenced blocks take their place
    /// when they are freed.
    private func touch(_ block: Int) {
        guard referenceCounts[block] == 0, index.contains(block) else { return }
        dequeue(block)
        enqueue(block)
    }

    private func enqueue(_ block: Int) {
        if index.isPartial(block) { partialQueue.append(block) } else { fullQueue.append(block) }
    }

    /// Takes a block out of whichever queue holds it, if any.
    private func dequeue(_ block: Int) {
        if partialQueue.contains(block) { partialQueue.remove(block) }
        if fullQueue.contains(block) { fullQueue.remove(block) }
    }

    private func refreshCounts() {
        statistics.blocksCached = index.count
        statistics.blocksHeld = capacity - freeBlocks.count - pristine.count
        statistics.blocksResident = capacity - pristine.count
    }
}
