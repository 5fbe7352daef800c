import CKernels

/// Where one layer's keys and values live in a paged KV cache.
///
/// Block `b` holds `blockSize` positions; one layer of it is laid out [2 (K, V)][H][blockSize][D], so one head's
/// keys of a block are blockSize * D contiguous elements (attention reads them in long runs). Elements are fp32,
/// or bf16 to halve the bytes attention reads. Offsets below count elements, not bytes.
public struct PagedKV {
    public enum Element: Sendable {
        case f32
        case bf16

        public var byteCount: Int { self == .f32 ? 4 : 2 }
    }

    /// Keys of block 0, head 0, slot 0 of this layer.
    public var keys: UnsafeMutableRawPointer
    /// Values of block 0, head 0, slot 0 of this layer.
    public var values: UnsafeMutableRawPointer
    public var element: Element
    /// Elements from one block to the next.
    public var blockStride: Int
    public var blockSize: Int
    public var heads: Int
    public var headSize: Int

    public init(keys: UnsafeMutableRawPointer, values: UnsafeMutableRawPointer, element: Element = .f32,
                blockStride: Int, blockSize: Int, heads: Int, headSize: Int) {
        self.keys = keys; self.values = values; self.element = element; self.blockStride = blockStride
        self.blockSize = blockSize; self.heads = heads; self.headSize = headSize
    }

    /// Elements from one head's slice of a block to the next head's.
    var headStride: Int { blockSize * headSize }
    var isBF16: Int32 { element == .bf16 ? 1 : 0 }

    /// Element offset of `position`'s slot (head 0) in the block its table names.
    @inline(__always) func slot(_ position: Int, _ table: UnsafePointer<Int32>) -> Int {
        Int(table[position / blockSize]) * blockStride + (position % blockSize) * headSize
    }

    /// Writes one position's keys and values ([C] each, head-major like the projection's output).
    public func store(position: Int, table: UnsafePointer<Int32>, keys k: UnsafePointer<Float>,
                      values v: UnsafePointer<Float>) {
        let offset = slot(position, table) * element.byteCount
        gk_kv_store(k, heads, headSize, headStride, keys + offset, isBF16)
        gk_kv_store(v, heads, headSize, headStride, values + offset, isBF16)
    }

    /// Head `head`'s keys (or values) of block 0: the base the attention kernels walk the table from.
    func keys(head: Int) -> UnsafeRawPointer { UnsafeRawPointer(keys + head * headStride * element.byteCount) }
    func values(head: Int) -> UnsafeRawPointer { UnsafeRawPointer(values + head * headStride * element.byteCount) }

    /// Positions 0..<n of one head as fp32 [n, D] keys and values.
    func gather(head: Int, positions n: Int, table: UnsafePointer<Int32>, keys k: UnsafeMutablePointer<Float>,
                values v: UnsafeMutablePointer<Float>) {
        gk_kv_gather(keys(head: head), isBF16, blockStride, blockSize, table, n, headSize, k)
        gk_kv_gather(values(head: head), isBF16, blockStride, blockSize, table, n, headSize, v)
    }
}
