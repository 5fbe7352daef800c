/// Which token prefix each cached block holds: chained block keys -> block, as vLLM's block hashes.
///
/// A block's key is its parent block (the block before it in its sequence, `root` for the first) plus its own tokens.
/// GPT-2 has learned absolute positions, so only exact prefixes are reused, and the chain pins both: a key names the
/// whole prefix up to and including its block, at its positions. Full blocks are found by key and shared by
/// reference; a partially filled block is found among its parent's children and copied, since its owner keeps
/// writing into it. Keys hold the tokens themselves rather than a hash of them, so two prefixes never collide.
///
/// Pure bookkeeping: it knows nothing of reference counts; `BlockPool` decides what may be dropped.
/// Threading: not thread-safe; owned by its `BlockPool` on the engine thread. Complexity: a lookup or an insertion
/// is O(prompt tokens); removing a block is O(its descendants).
struct PrefixIndex {
    /// The parent of a sequence's first block.
    static let root = -1

    struct Key: Hashable {
        var parent: Int
        var tokens: [Int]
    }

    let blockSize: Int
    private var keyOf: [Int: Key] = [:]
    private var fullBlocks: [Key: Int] = [:]
    private var children: [Int: Set<Int>] = [:]

    init(blockSize: Int) {
        self.blockSize = blockSize
    }

    /// Number of blocks indexed, full or partial.
    var count: Int { keyOf.count }

    func contains(_ block: Int) -> Bool { keyOf[block] != nil }

    /// Whether an indexed block holds fewer than `blockSize` tokens.
    func isPartial(_ block: Int) -> Bool { (keyOf[block]?.tokens.count ?? 0) < blockSize }

    /// The longest chain of full blocks that `tokens` begins with, then the indexed block after it whose tokens agree
    /// longest with the rest (to copy that many positions from), if any agrees at all.
    func longestPrefix(of tokens: [Int]) -> (blocks: [Int], copy: (block: Int, tokens: Int)?) {
        var blocks: [Int] = []
        var parent = Self.root
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
            for child in children[parent] ?? [] {
                let common = Self.commonPrefixLength(keyOf[child]!.tokens, rest)
                if common > (copy?.tokens ?? 0) { copy = (child, common) }
            }
        }
        return (blocks, copy)
    }

    /// Indexes the blocks of a sequence whose first `tokens.count` positions are computed: each under its parent and
    /// tokens. A block indexed with other content is indexed again (its old descendants go); a full block whose
    /// content is already indexed under another block ends the walk, since the blocks after it would hang off a block
    /// no prompt can reach. Returns the blocks dropped from the index, each descendant before its parent.
    mutating func insert(tokens: [Int], blockTable: [Int]) -> [Int] {
        var dropped: [Int] = []
        var parent = Self.root
        for (index, block) in blockTable.enumerated() {
            let start = index * blockSize
            guard start < tokens.count else { break }
            let key = Key(parent: parent, tokens: Array(tokens[start..<min(tokens.count, start + blockSize)]))
            if let existing = keyOf[block] {
                if existing != key {
                    dropped += remove(block)
                    add(block, as: key)
                }
            } else if key.tokens.count == blockSize, let other = fullBlocks[key], other != block {
                // Same content computed twice (two sequences at once).
                break
            } else {
                add(block, as: key)
            }
            parent = block
        }
        return dropped
    }

    /// Removes a block and every block that hangs off it. Returns the descendants removed (not the block itself),
    /// each before its parent.
    mutating func remove(_ block: Int) -> [Int] {
        guard let key = keyOf.removeValue(forKey: block) else { return [] }
        if fullBlocks[key] == block { fullBlocks[key] = nil }
        children[key.parent]?.remove(block)
        if children[key.parent]?.isEmpty == true { children[key.parent] = nil }
        var removed: [Int] = []
        for child in children.removeValue(forKey: block) ?? [] {
            removed += remove(child)
            removed.append(child)
        }
        return removed
    }

    private mutating func add(_ block: Int, as key: Key) {
        keyOf[block] = key
        if key.tokens.count == blockSize { fullBlocks[key] = block }
        children[key.parent, default: []].insert(block)
    }

    private static func commonPrefixLength(_ a: [Int], _ b: ArraySlice<Int>) -> Int {
        var n = 0
        var i = b.startIndex
        while n < a.count, i < b.endIndex, a[n] == b[i] {
            n += 1
            i += 1
        }
        return n
    }
}
