import Kernels

/// Fixed-size blocks of key/value cache for all layers, handed out by index.
///
/// Block b holds `blockSize` token slots; its storage is [L][2 (K, V)][blockSize][C] floats. A sequence keeps a
/// block table (block index per `blockSize` positions). The pool knows nothing of sequences or sharing: reference
/// counts and eviction belong to the caller, and the forward pass only writes the positions it computes.
/// Threading rule: not thread-safe; use it from the one thread that runs the model.
public final class KVBlockPool {
    public let blockSize: Int
    public let capacity: Int
    public let layers: Int
    public let channels: Int
    let storage: UnsafeMutablePointer<Float>
    private var freeList: [Int]

    /// Floats in one block (all layers, K and V).
    public var blockFloats: Int { layers * 2 * blockSize * channels }
    public var blockBytes: Int { blockFloats * 4 }
    public var freeCount: Int { freeList.count }

    public init(config: GPTConfig, blockSize: Int = 16, capacityBlocks: Int) {
        precondition(blockSize > 0 && capacityBlocks > 0, "a KV pool needs a positive block size and capacity")
        self.blockSize = blockSize
        self.capacity = capacityBlocks
        self.layers = config.nLayer
        self.channels = config.nEmbd
        storage = .allocate(capacity: capacityBlocks * config.nLayer * 2 * blockSize * config.nEmbd)
        freeList = Array((0..<capacityBlocks).reversed())
    }

    /// A pool whose blocks fit in `bytes` (at least one block).
    public convenience init(config: GPTConfig, blockSize: Int = 16, byteBudget bytes: Int) {
        let perBlock = config.nLayer * 2 * blockSize * config.nEmbd * 4
        self.init(config: config, blockSize: blockSize, capacityBlocks: max(1, bytes / perBlock))
    }

    deinit { storage.deallocate() }

    /// A free block, or nil when the pool is exhausted.
    public func allocate() -> Int? { freeList.popLast() }

    /// Returns a block to the pool; the caller guarantees nobody still uses it.
    public func free(_ block: Int) {
        precondition(block >= 0 && block < capacity, "block \(block) is not in this pool")
        freeList.append(block)
    }

    /// Blocks needed to hold `tokens` positions.
    public func blocksNeeded(forTokens tokens: Int) -> Int { (tokens + blockSize - 1) / blockSize }

    /// Copies the keys and values of the first `positions` slots of block `source` into `destination`, in every
    /// layer: how a new sequence takes over the agreeing part of a cached, partially filled block.
    public func copy(block source: Int, to destination: Int, positions: Int) {
        precondition(source != destination && (0..<capacity).contains(source) && (0..<capacity).contains(destination)
                     && (0...blockSize).contains(positions), "bad block copy \(source) -> \(destination) (\(positions))")
        for l in 0..<layers {
            let from = view(layer: l)
            // Keys and values of one layer are each `blockSize * channels` floats, one after the other.
            for half in 0..<2 {
                let offset = half * blockSize * channels
                (from.keys + destination * blockFloats + offset)
                    .update(from: from.keys + source * blockFloats + offset, count: positions * channels)
            }
        }
    }

    /// Layer `l`'s view for the attention kernel.
    func view(layer l: Int) -> PagedKV {
        let keys = storage + l * 2 * blockSize * channels
        return PagedKV(keys: keys, values: keys + blockSize * channels, blockStride: blockFloats,
                       blockSize: blockSize, channels: channels)
    }
}
