/// Named tensors as the weight loader sees them, whatever file they are in: their logical shapes, and their contents
/// as row-major fp32.
///
/// ModelFiles makes one conformance per file format, so `WeightStorage` never asks which format it reads.
/// Conformers are immutable and keep their file mapped for as long as they live, so pointers they hand out stay
/// valid that long.
public protocol TensorSource {
    /// The file's last path component, for error messages.
    var fileName: String { get }

    /// The logical shape of `name`, or nil if there is no such tensor.
    func shape(of name: String) -> [Int]?

    /// The contents of `name` in place in the file when they already are fp32, row-major, dense and aligned;
    /// nil when they must be converted or gathered (then use `copyFloats`).
    func inPlaceFloats(_ name: String) -> UnsafePointer<Float>?

    /// Writes the logical row-major contents of `name` as fp32 into `buffer`, which holds the element count of
    /// `shape(of: name)`. Complexity: O(elements).
    func copyFloats(_ name: String, into buffer: UnsafeMutablePointer<Float>) throws

    /// Row-by-row access to the 2-D tensor `name` in the file's own format, converted to fp32 one row at a time;
    /// nil where the format cannot (then use `copyFloats`). For a table read a few rows at a time (the token
    /// embedding), so a quantized or bf16 table stays mapped in its file instead of being widened whole to fp32.
    func rows(_ name: String) -> TensorRows?

    /// The GGUF Q4_K blocks of each row of the 2-D tensor `name` as the file stores them, in logical row order;
    /// nil where the tensor is stored otherwise. How 4-bit weights are kept 4-bit in memory instead of widened.
    func q4KRows(_ name: String) -> BlockRows?

    /// The GGUF Q6_K blocks of each row of the 2-D tensor `name` as the file stores them, in logical row order;
    /// nil where the tensor is stored otherwise.
    func q6KRows(_ name: String) -> BlockRows?

    /// The GGUF Q5_0 or Q4_0 blocks of each row of the 2-D tensor `name` as the file stores them, in logical row
    /// order, and whether they are Q5_0 (22 bytes a block; else Q4_0, 18); nil where the tensor is stored otherwise.
    func q5Rows(_ name: String) -> (rows: BlockRows, fifthBits: Bool)?

    /// Tells the kernel the file's pages of `name` are no longer needed, once a converted copy replaced them, so the
    /// model is not resident twice. A no-op where the format does not map its tensors one by one.
    func releasePages(_ name: String)
}

extension TensorSource {
    public func rows(_ name: String) -> TensorRows? { nil }
    public func q4KRows(_ name: String) -> BlockRows? { nil }
    public func q6KRows(_ name: String) -> BlockRows? { nil }
    public func q5Rows(_ name: String) -> (rows: BlockRows, fifthBits: Bool)? { nil }
    public func releasePages(_ name: String) {}
}

/// Rows of a [rows, width] tensor read one at a time from where they are stored, as fp32.
///
/// `copy` keeps what it reads from (a mapped file) alive; it only reads, so it may run on any thread.
public struct TensorRows {
    public let rows: Int
    public let width: Int
    /// Writes row `row` (0..<rows) as `width` fp32 values into the buffer.
    public let copy: (_ row: Int, _ into: UnsafeMutablePointer<Float>) -> Void

    public init(rows: Int, width: Int, copy: @escaping (_ row: Int, _ into: UnsafeMutablePointer<Float>) -> Void) {
        self.rows = rows
        self.width = width
        self.copy = copy
    }
}

/// Rows of a [rows, width] tensor as the file's quantized blocks, read in place from where they are stored.
///
/// `row` keeps what it reads from (a mapped file) alive; the bytes stay valid while the source lives.
public struct BlockRows {
    public let rows: Int
    public let width: Int
    /// The first byte of row `row`'s blocks (0..<rows).
    public let row: (_ row: Int) -> UnsafeRawPointer
    /// Tells the source that rows `rows` have been copied and their pages are not needed now (a mapped file's are
    /// released, and read again if a row is asked for later), so a matrix packed row by row is not resident twice
    /// while it loads. Does nothing where the source cannot (rows not stored in order).
    public let release: (_ rows: Range<Int>) -> Void

    public init(rows: Int, width: Int, row: @escaping (_ row: Int) -> UnsafeRawPointer,
                release: @escaping (_ rows: Range<Int>) -> Void = { _ in }) {
        self.rows = rows
        self.width = width
        self.row = row
        self.release = release
    }
}
