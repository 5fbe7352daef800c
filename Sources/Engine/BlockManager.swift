/// Hands out KV cache blocks, counts their references and remembers which token prefix each cached block holds.
///
/// A block holds the keys and values of `blockSize` consecutive positions of one sequence. The prefix index maps
/// "this block follows block P and holds tokens X" to the block, so a new prompt can reuse every block of its longest
/// cached prefix. GPT-2 has learned absolute positions, so only exact prefixes are reused: a block's identity is its
/// parent block plus its own tokens, which together pin both the tokens and their positions.
///
/// Sharing rules: a full block never changes again and is shared by reference. A partially filled block is never
/// shared, because its owner keeps writing into it; a new sequence whose prompt agrees with part of one gets a copy
/// (`PrefixMatch.copy`). Unreferenced cached blocks stay in the index until the pool runs out, then partial blocks
/// are evicted first, then the least recently used full blocks, deepest first.
///
/// With a `CacheBudget`, the managers of an engine's models share one memory total: a block never written
/// (`pristine`) costs nothing, and a manager that cannot charge a fresh block evicts its own blocks as above.
///
/// Threading: not thread-safe; owned by the scheduler's thread. Complexity: lookups are O(prompt blocks); eviction
/// scans the pool (a few hundred blocks), which is nothing next to a forward pass.
public final class BlockManager {
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

    /// Engine-wide cache figures.
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

    private struct Key: Hashable {
        var parent: Int  // -1 for the first block of a sequence
        var tokens: [Int]
    }

    private var refCount: [Int]
    private var lastUse: [UInt64]
    private var clock: UInt64 = 0
    /// Free blocks that have been written (their memory is charged), the next to hand out last.
    private var freeBlocks: [Int] = []
    /// Blocks never written or given back to the budget, the next to hand out last.
    private var pristine: [Int]
    private let budget: CacheBudget?
    private let bytesPerBlock: Int
    /// Returns a block's memory to the system (the model's pool); called when a block goes back to the budget.
    public var discard: ((Int) -> Void)?
    /// When this manager last looked up or recorded a prompt, on the budget's clock.
    private(set) var lastActive: UInt64 = 0
    /// The indexed content of each cached block (full or partial).
    private var keyOf: [Int: Key] = [:]
    private var fullBlocks: [Key: Int] = [:]
    private var children: [Int: Set<Int>] = [:]
    private(set) public var statistics = Statistics()

    /// A manager of `capacity` blocks; with `budget`, a fresh block is handed out only when the budget can charge
    /// its `bytesPerBlock`.
    public init(blockSize: Int, capacity: Int, budget: CacheBudget? = nil, bytesPerBlock: Int = 0) {
        precondition(blockSize > 0 && capacity > 0)
        self.blockSize = blockSize
        self.capacity = capacity
        self.budget = budget
        self.bytesPerBlock = bytesPerBlock
        refCount = Array(repeating: 0, count: capacity)
        lastUse = Array(repeating: 0, count: capacity)
        pristine = Array((0..<capacity).reversed())
        budget?.join(self)
    }

    /// Number of blocks some sequence references.
    public var blocksInUse: Int { refCount.lazy.filter { $0 > 0 }.count }

    /// Number of blocks that hold indexed, reusable content (referenced or not).
    public var blocksCached: Int { keyOf.count }

    public func referenceCount(of block: Int) -> Int { refCount[block] }

    /// Finds the longest cached prefix of `tokens`, takes a reference on each shared full block and returns it.
    ///
    /// The caller passes at most the prompt minus its last token: the last token must be computed to get logits.
    public func match(_ tokens: [Int]) -> PrefixMatch {
        markActive()
        var blocks: [Int] = []
        var parent = -1
        var start = 0
        while start + blockSize <= tokens.count,
              let block = fullBlocks[Key(parent: parent, tokens: Array(tokens[start..<start + blockSize]))] {
            blocks.append(block)
            parent = block
            start += blockSize
        }
        var copy: (block: Int, tokens: Int)?
        if start < tokens.count {
            let rest = tokens[start..<min(tokens.count, start + blockSize)]
            for child in siblings(after: parent) {
                let common = commonPrefixLength(keyOf[child]!.tokens, rest)
                if common > (copy?.tokens ?? 0) { copy = (child, common) }
            }
        }
        for block in blocks { refCount[block] += 1 }
        touch(blocks + (copy.map { [$0.block] } ?? []))
        let reused = start + (copy?.tokens ?? 0)
        statistics.lookups += 1
        statistics.tokensLookedUp += tokens.count
        statistics.tokensReused += reused
        refreshCounts()
        return PrefixMatch(blocks: blocks, copy: copy, reusedTokens: reused)
    }

    /// A fresh block with one reference, evicting the least recently used unreferenced cached block if the pool is
    /// full. Returns nil when every block is referenced: the caller must wait or refuse the work.
    ///
    /// `keeping` protects a block from eviction (the source of a pending copy).
    public func allocate(keeping: Int? = nil) -> Int? {
        if let block = freeBlocks.popLast() ?? takePristine() {
            refCount[block] = 1
            refreshCounts()
            return block
        }
        guard let victim = evictionVictim(except: keeping) else { return nil }
        forget(victim)
        statistics.evictions += 1
        refCount[victim] = 1
        refreshCounts()
        return victim
    }

    /// Records the contents of a sequence's blocks so later prompts can reuse them: full blocks by reference,
    /// the last partial block by copy. `tokens` are the tokens whose keys and values have been computed.
    ///
    /// Call it whenever a sequence's computed prefix has grown enough to be worth sharing and when it ends.
    /// A block whose content is already indexed under another block stays private.
    public func register(tokens: [Int], blockTable: [Int]) {
        markActive()
        var parent = -1
        for (index, block) in blockTable.enumerated() {
            let start = index * blockSize
            guard start < tokens.count else { break }
            let key = Key(parent: parent, tokens: Array(tokens[start..<min(tokens.count, start + blockSize)]))
            let isFull = key.tokens.count == blockSize
            if let existing = keyOf[block] {
                if existing != key { forget(block); add(block, as: key, full: isFull) }
            } else if isFull, let other = fullBlocks[key], other != block {
                // Same content computed twice (two sequences at once). Later blocks hang off ours, which is not
                // indexed, so stop here.
                break
            } else {
                add(block, as: key, full: isFull)
            }
            parent = block
        }
        touch(blockTable)
        refreshCounts()
    }

    /// Drops one reference from each block. Unreferenced blocks that hold no indexed content are free again;
    /// indexed ones stay cached until evicted.
    public func release(_ blocks: [Int]) {
        for block in blocks {
            precondition(refCount[block] > 0, "block \(block) released more often than referenced")
            refCount[block] -= 1
            if refCount[block] == 0, keyOf[block] == nil { freeBlocks.append(block) }
        }
        refreshCounts()
    }

    /// Forgets every cached block no one references (configuration change, tests).
    public func clearCache() {
        for block in Array(keyOf.keys) where refCount[block] == 0 && keyOf[block] != nil {
            forget(block)
            freeBlocks.append(block)
        }
        refreshCounts()
    }

    // MARK: - Shared budget

    /// Whether this manager has a written block it could give back to the budget (free, or cached and unreferenced).
    var canGiveBack: Bool { !freeBlocks.isEmpty || evictionVictim(except: nil) != nil }

    /// Gives one written block back to the budget: a free one, else the block `allocate` would evict.
    func giveBack() {
        let block: Int
        if let free = freeBlocks.popLast() {
            block = free
        } else if let victim = evictionVictim(except: nil) {
            forget(victim)
            statistics.evictions += 1
            block = victim
        } else {
            return
        }
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

    // MARK: - Private

    private func siblings(after parent: Int) -> Set<Int> { children[parent] ?? [] }

    private func add(_ block: Int, as key: Key, full: Bool) {
        keyOf[block] = key
        if full { fullBlocks[key] = block }
        children[key.parent, default: []].insert(block)
    }

    /// Removes a block and (recursively) its descendants from the index. Descendants of an unreferenced block are
    /// unreferenced too, since a sequence holding a block holds every block before it.
    private func forget(_ block: Int) {
        guard let key = keyOf.removeValue(forKey: block) else { return }
        if fullBlocks[key] == block { fullBlocks[key] = nil }
        children[key.parent]?.remove(block)
        if children[key.parent]?.isEmpty == true { children[key.parent] = nil }
        for child in children.removeValue(forKey: block) ?? [] {
            forget(child)
            if refCount[child] == 0 { freeBlocks.append(child) }
        }
    }

    /// Marks blocks as just used, deepest last-touched first, so eviction takes the ends of prefixes before their
    /// beginnings (a shared beginning serves more future prompts).
    private func touch(_ blocks: [Int]) {
        for block in blocks.reversed() {
            clock += 1
            lastUse[block] = clock
        }
    }

    /// The unreferenced cached block to evict: the least recently used partial block if any, else the least
    /// recently used full block. Every keystroke leaves a partial block behind (the superseded request's, once the
    /// next one has copied it), and losing one costs at most `blockSize - 1` positions of recompute; a full block of
    /// an idle document costs itself and everything after it. Plain LRU let a few seconds of typing evict the
    /// documents an editor returns to.
    private func evictionVictim(except kept: Int?) -> Int? {
        // Partial blocks (0) before full ones (1), then least recently used.
        func rank(_ block: Int) -> (Int, UInt64) { (keyOf[block]!.tokens.count < blockSize ? 0 : 1, lastUse[block]) }
        return keyOf.keys.lazy.filter { self.refCount[$0] == 0 && $0 != kept }.min { rank($0) < rank($1) }
    }

    private func refreshCounts() {
        statistics.blocksInUse = blocksInUse
        statistics.blocksCached = blocksCached
        statistics.blocksHeld = capacity - freeBlocks.count - pristine.count
        statistics.blocksResident = capacity - pristine.count
    }

    private func commonPrefixLength(_ a: [Int], _ b: ArraySlice<Int>) -> Int {
        var n = 0
        var i = b.startIndex
        while n < a.count, i < b.endIndex, a[n] == b[i] {
            n += 1
            i += 1
        }
        return n
    }
}
