import Foundation
import Kernels

/// Fixed-size blocks of key/value cache for all layers, handed out by index.
///
/// Block b holds `blockSize` token slots; its storage is [L][2 (K, V)][H][blockSize][D] elements (fp32, or bf16
/// for models with bf16 weights: half the bytes, so twice the blocks per budget and half the bytes attention reads).
/// A sequence keeps a block table (block index per `blockSize` positions). The pool is storage only: which block
/// holds what is the caller's (the engine's `BlockPool`, with reference counts, a prefix index and eviction), and
/// the forward pass only writes the positions it computes.
/// Threading rule: not thread-safe; use it from the one thread that runs the model.
///
/// Open so that a caller can add its own allocation on top (the model tests' pool hands out blocks itself); nothing
/// in it can be overridden.
open class KVBlockPool {
    public let blockSize: Int
    public let capacity: Int
    public let layers: Int
    public let channels: Int
    public let heads: Int
    public let element: PagedKV.Element
    let storage: UnsafeMutableRawPointer

    /// Elements in one block (all layers, K and V).
    var blockElements: Int { layers * 2 * blockSize * channels }
    public var blockBytes: Int { blockElements * element.byteCount }

    public init(config: GPTConfig, blockSize: Int = 16, capacityBlocks: Int, element: PagedKV.Element = .f32) {
        precondition(blockSize > 0 && capacityBlocks > 0, "a KV pool needs a positive block size and capacity")
        self.blockSize = blockSize
        self.capacity = capacityBlocks
        self.layers = config.nLayer
        self.channels = config.kvChannels
        self.heads = config.kvHeads
        self.element = element
        let bytes = capacityBlocks * config.nLayer * 2 * blockSize * config.kvChannels * element.byteCount
        // Transparent huge pages where the system allows them: a block holds one 4 KiB page per (layer, K or V,
        // head) slice (288 for GPT-2 124M in fp32), and a virtual machine takes microseconds per first-touch fault,
        // so the first write to a fresh block cost about 3 ms of a keystroke's latency. A 2 MiB page faults once.
        storage = .allocate(byteCount: bytes, alignment: Self.hugePage)
        _ = madvise(storage, bytes, MADV_HUGEPAGE)
    }

    /// A pool whose blocks fit in `bytes` (at least one block).
    public convenience init(config: GPTConfig, blockSize: Int = 16, byteBudget bytes: Int,
                            element: PagedKV.Element = .f32) {
        let perBlock = config.nLayer * 2 * blockSize * config.kvChannels * element.byteCount
        self.init(config: config, blockSize: blockSize, capacityBlocks: max(1, bytes / perBlock), element: element)
    }

    /// The pool a model's forward pass should use: bf16 elements for a model with bf16 weights, else fp32.
    public convenience init(for model: GPTModel, blockSize: Int = 16, byteBudget bytes: Int) {
        self.init(config: model.config, blockSize: blockSize, byteBudget: bytes, element: Self.element(for: model))
    }

    public convenience init(for model: GPTModel, blockSize: Int = 16, capacityBlocks: Int) {
        self.init(config: model.config, blockSize: blockSize, capacityBlocks: capacityBlocks,
                  element: Self.element(for: model))
    }

    private static let hugePage = 2 << 20

    /// bf16 keys and values with bf16 or int8 weights (rounded weights already; half the bytes attention reads).
    static func element(for model: GPTModel) -> PagedKV.Element { model.weightFormat == .f32 ? .f32 : .bf16 }

    deinit { storage.deallocate() }

    /// Blocks needed to hold `tokens` positions.
    public func blocksNeeded(forTokens tokens: Int) -> Int { (tokens + blockSize - 1) / blockSize }

    /// Copies the keys and values of the first `positions` slots of block `source` into `destination`, in every
    /// layer: how a new sequence takes over the agreeing part of a cached, partially filled block.
    public func copy(block source: Int, to destination: Int, positions: Int) {
        precondition(source != destination && (0..<capacity).contains(source) && (0..<capacity).contains(destination)
                     && (0...blockSize).contains(positions), "bad block copy \(source) -> \(destination) (\(positions))")
        let headSize = channels / heads, size = element.byteCount
        // Each (layer, K or V, head) slice holds its slots first to last: copy the first `positions` of each.
        for slice in 0..<(layers * 2 * heads) {
            let offset = slice * blockSize * headSize * size
            (storage + destination * blockBytes + offset)
                .copyMemory(from: storage + source * blockBytes + offset, byteCount: positions * headSize * size)
        }
    }

    /// Returns block `block`'s memory to the system (the whole pages inside it); it reads as zeros afterwards and
    /// costs memory again when written.
    public func discard(block: Int) {
        precondition((0..<capacity).contains(block), "block \(block) is not in this pool")
        let page = Int(getpagesize())
        let start = Int(bitPattern: storage + block * blockBytes)
        let first = (start + page - 1) / page * page, end = (start + blockBytes) / page * page
        guard end > first else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, MADV_DONTNEED)
    }

    /// Layer `l`'s view for the attention kernel.
    func view(layer l: Int) -> PagedKV {
        let size = element.byteCount
        let keys = storage + l * 2 * blockSize * channels * size
        return PagedKV(keys: keys, values: keys + blockSize * channels * size, element: element,
                       blockStride: blockElements, blockSize: blockSize, heads: heads, headSize: channels / heads)
    }
}
