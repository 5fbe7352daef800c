import CKernels

/// A linear layer's weight matrix [M, K] (out, in; the `nn.Linear` layout), packed in panels of 16 output columns
/// (the layout of the model's own kernels), fp32, bf16, int8, or a GGUF file's Q4_K, Q6_K, Q5_0 or Q4_0 blocks kept
/// at their width; or the rows of several such matrices stacked (a Q/K/V projection whose parts differ in type).
///
/// Does not own its memory: the model's weight storage does, and outlives every use.
public struct LinearWeight: @unchecked Sendable {
    public enum Storage {
        /// Panels of 16 output columns, [M/16][K][16] (`gk_pack_panels_f32`, `f32PanelCount` floats): each weight
        /// read once per tile of up to 12 rows, for decode and prefill alike.
        case f32Panels(UnsafePointer<Float>)
        /// Panels of 16 output columns with input pairs interleaved (`gk_pack_panels`, `panelCount` elements):
        /// the operand layout of the bf16 kernel.
        case bf16Panels(UnsafePointer<UInt16>)
        /// Panels of 16 output columns in groups of 4 inputs (`gk_pack_panels_i8`, `int8PanelCount` bytes), one
        /// scale per output column and the column sums of the quantized weights (`int8ColumnCount` entries each):
        /// the operand layout of the int8 kernel, a quarter of fp32's bytes.
        case int8Panels(Int8Panels)
        /// A GGUF file's Q4_K weights repacked in panels of 16 output columns (`gk_pack_panels_q4k_row`,
        /// `q4KPanelCount` bytes): the file's numbers exactly, 4.625 bits a weight; K is a multiple of 256.
        case q4KPanels(UnsafePointer<UInt8>)
        /// A GGUF file's Q5_0 or Q4_0 weights repacked in panels of 16 output columns (`gk_pack_panels_q5_row`,
        /// `q5PanelCount` bytes): the file's numbers exactly, 5.5 or 4.5 bits a weight; K is a multiple of 32.
        case q5Panels(Q5Panels)
        /// A GGUF file's Q6_K weights repacked in panels of 16 output columns (`gk_pack_panels_q6k_row`,
        /// `q6KPanelCount` bytes): the file's numbers exactly, 6.5625 bits a weight; K is a multiple of 256.
        case q6KPanels(UnsafePointer<UInt8>)
        /// Matrices of the same K whose rows are stacked in order, each in its own storage (none of them stacked
        /// itself): parts of different types (Q and K Q4_K, V Q6_K) kept at their own width instead of one type
        /// for all. Each part is multiplied on its own into its range of output columns.
        case stacked([LinearWeight])
    }

    /// The three arrays of int8 panels.
    public struct Int8Panels {
        public let weights: UnsafePointer<Int8>
        public let scales: UnsafePointer<Float>
        public let sums: UnsafePointer<Int32>

        public init(weights: UnsafePointer<Int8>, scales: UnsafePointer<Float>, sums: UnsafePointer<Int32>) {
            self.weights = weights; self.scales = scales; self.sums = sums
        }
    }

    /// Q5_0 or Q4_0 panels: the bytes, and which of the two (Q4_0 is Q5_0 without the fifth bits, offset 8).
    public struct Q5Panels {
        public let bytes: UnsafePointer<UInt8>
        public let fifthBits: Bool

        public init(bytes: UnsafePointer<UInt8>, fifthBits: Bool) { self.bytes = bytes; self.fifthBits = fifthBits }
    }

    public let storage: Storage
    /// M: output features.
    public let outFeatures: Int
    /// K: input features.
    public let inFeatures: Int

    public init(_ storage: Storage, outFeatures: Int, inFeatures: Int) {
        self.storage = storage; self.outFeatures = outFeatures; self.inFeatures = inFeatures
    }

    /// The rows of `parts` (all with the same K, none stacked) stacked into one matrix, multiplied part by part.
    public init(stacking parts: [LinearWeight]) {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.inFeatures == parts[0].inFeatures },
                     "stacked parts must share their input features")
        self.init(.stacked(parts), outFeatures: parts.reduce(0) { $0 + $1.outFeatures },
                  inFeatures: parts[0].inFeatures)
    }

    /// Whether the weights are bf16 panels (half the bytes every decode step reads; products accumulate in fp32).
    public var isBF16: Bool {
        if case .bf16Panels = storage { return true }
        return false
    }

    /// Whether the weights are fp32 panels, which hold every weight exactly.
    public var isF32: Bool {
        if case .f32Panels = storage { return true }
        return false
    }

    /// Whether `copyRow` gives every row exactly as the source held it (fp32 panels, a GGUF file's blocks kept at
    /// their width, or stacked parts that all do): a head tied to the token embedding can then serve the lookups.
    public var holdsExactRows: Bool {
        switch storage {
        case .f32Panels, .q4KPanels, .q6KPanels, .q5Panels: return true
        case .bf16Panels, .int8Panels: return false
        case .stacked(let parts): return parts.allSatisfy(\.holdsExactRows)
        }
    }

    /// Row m of the matrix (the K weights of output m) as fp32: how a head tied to the token embedding serves the
    /// embedding lookups, so the model holds that table once. bf16 and int8 panels are rounded and give no exact row;
    /// Q4_K, Q6_K, Q5_0 and Q4_0 panels give the file's dequantized row (stacked parts their own part's row).
    public func copyRow(_ m: Int, into out: UnsafeMutablePointer<Float>) {
        precondition((0..<outFeatures).contains(m), "row \(m) of a matrix with \(outFeatures) rows")
        switch storage {
        case .f32Panels(let panels): gk_panels_f32_row(panels, inFeatures, m, out)
        case .q4KPanels(let panels): gk_panels_q4k_row(panels, inFeatures, m, out)
        case .q5Panels(let panels): gk_panels_q5_row(panels.bytes, inFeatures, m, panels.fifthBits ? 1 : 0, out)
        case .q6KPanels(let panels): gk_panels_q6k_row(panels, inFeatures, m, out)
        case .stacked(let parts):
            var first = 0
            for part in parts {
                if m < first + part.outFeatures { return part.copyRow(m - first, into: out) }
                first += part.outFeatures
            }
        case .bf16Panels, .int8Panels:
            preconditionFailure("bf16 and int8 panels hold rounded weights; read rows from an fp32 copy")
        }
    }

    /// Bytes of the matrix as stored (panels are padded to 16 columns, bf16 panels to an even K, int8 panels to a
    /// multiple of 4 with their scales and sums).
    public var byteCount: Int {
        switch storage {
        case .f32Panels: return 4 * Self.f32PanelCount(outFeatures: outFeatures, inFeatures: inFeatures)
        case .bf16Panels: return 2 * Self.panelCount(outFeatures: outFeatures, inFeatures: inFeatures)
        case .int8Panels:
            return Self.int8PanelCount(outFeatures: outFeatures, inFeatures: inFeatures)
                + 8 * Self.int8ColumnCount(outFeatures: outFeatures)
        case .q4KPanels: return Self.q4KPanelCount(outFeatures: outFeatures, inFeatures: inFeatures)
        case .q5Panels(let panels):
            return Self.q5PanelCount(outFeatures: outFeatures, inFeatures: inFeatures, fifthBits: panels.fifthBits)
        case .q6KPanels: return Self.q6KPanelCount(outFeatures: outFeatures, inFeatures: inFeatures)
        case .stacked(let parts): return parts.reduce(0) { $0 + $1.byteCount }
        }
    }

    /// UInt16 elements of bf16 panels for [M, K].
    public static func panelCount(outFeatures m: Int, inFeatures k: Int) -> Int { gk_panels_size(m, k) }

    /// Floats of fp32 panels for [M, K].
    public static func f32PanelCount(outFeatures m: Int, inFeatures k: Int) -> Int { gk_panels_f32_size(m, k) }

    /// Bytes of int8 panels for [M, K].
    public static func int8PanelCount(outFeatures m: Int, inFeatures k: Int) -> Int { gk_panels_i8_size(m, k) }

    /// Entries of the scales and of the sums of int8 panels for M outputs (M rounded up to 16).
    public static func int8ColumnCount(outFeatures m: Int) -> Int { gk_panels_i8_columns(m) }

    /// Bytes of Q4_K panels for [M, K] (K a multiple of 256), with their scales, mins, d and dmin.
    public static func q4KPanelCount(outFeatures m: Int, inFeatures k: Int) -> Int { gk_panels_q4k_size(m, k) }

    /// Inputs per Q4_K block: Q4_K panels need K to be a multiple of it.
    public static let q4KBlockInputs = 256

    /// Bytes of one Q4_K block as a GGUF file stores it (256 weights).
    public static let q4KFileBlockBytes = 144

    /// Moves row `row` of a Q4_K matrix, its K / 256 blocks as the file stores them, into Q4_K panels of
    /// `q4KPanelCount` bytes, which must have been zeroed before the first row. Rows may come in any order.
    public static func packQ4KRow(_ blocks: UnsafeRawPointer, inFeatures k: Int, row: Int,
                                  into panels: UnsafeMutablePointer<UInt8>) {
        gk_pack_panels_q4k_row(blocks.assumingMemoryBound(to: UInt8.self), k, row, panels)
    }

    /// Bytes of Q6_K panels for [M, K] (K a multiple of 256), with their scales and d.
    public static func q6KPanelCount(outFeatures m: Int, inFeatures k: Int) -> Int { gk_panels_q6k_size(m, k) }

    /// Bytes of one Q6_K block as a GGUF file stores it (256 weights).
    public static let q6KFileBlockBytes = 210

    /// Moves row `row` of a Q6_K matrix, its K / 256 blocks as the file stores them, into Q6_K panels of
    /// `q6KPanelCount` bytes, which must have been zeroed before the first row. Rows may come in any order.
    public static func packQ6KRow(_ blocks: UnsafeRawPointer, inFeatures k: Int, row: Int,
                                  into panels: UnsafeMutablePointer<UInt8>) {
        gk_pack_panels_q6k_row(blocks.assumingMemoryBound(to: UInt8.self), k, row, panels)
    }

    /// Bytes of Q5_0 (`fifthBits`) or Q4_0 panels for [M, K] (K a multiple of 32), with their fp16 scales.
    public static func q5PanelCount(outFeatures m: Int, inFeatures k: Int, fifthBits: Bool) -> Int {
        gk_panels_q5_size(m, k, fifthBits ? 1 : 0)
    }

    /// Inputs per Q5_0 / Q4_0 block: their panels need K to be a multiple of it.
    public static let q5BlockInputs = 32

    /// Bytes of one block as a GGUF file stores it (32 weights): 22 for Q5_0, 18 for Q4_0.
    public static func q5FileBlockBytes(fifthBits: Bool) -> Int { fifthBits ? 22 : 18 }

    /// Moves row `row` of a Q5_0 (`fifthBits`) or Q4_0 matrix, its K / 32 blocks as the file stores them, into
    /// panels of `q5PanelCount` bytes, which must have been zeroed before the first row. Rows may come in any order.
    public static func packQ5Row(_ blocks: UnsafeRawPointer, inFeatures k: Int, row: Int, fifthBits: Bool,
                                 into panels: UnsafeMutablePointer<UInt8>) {
        gk_pack_panels_q5_row(blocks.assumingMemoryBound(to: UInt8.self), k, row, fifthBits ? 1 : 0, panels)
    }

    /// Quantizes fp32 weights to int8 panels, one scale per output (max |W[j, :]| / 127); `weights` is [M, K], or
    /// [K, M] when `transposed`. `panels` holds `int8PanelCount` bytes, `scales` and `sums` `int8ColumnCount`.
    public static func packInt8Panels(_ weights: UnsafePointer<Float>, outFeatures m: Int, inFeatures k: Int,
                                      transposed: Bool = false, into panels: UnsafeMutablePointer<Int8>,
                                      scales: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Int32>) {
        if transposed {
            gk_pack_panels_i8_transposed(weights, m, k, panels, scales, sums)
        } else {
            gk_pack_panels_i8(weights, m, k, panels, scales, sums)
        }
    }

    /// Rounds fp32 weights to bf16 panels in `destination` (`panelCount` elements). `weights` is [M, K], or
    /// [K, M] when `transposed` (a Conv1D weight, packed without transposing it first).
    public static func packPanels(_ weights: UnsafePointer<Float>, outFeatures m: Int, inFeatures k: Int,
                                  transposed: Bool = false, into destination: UnsafeMutablePointer<UInt16>) {
        if transposed { gk_pack_panels_transposed(weights, m, k, destination) } else { gk_pack_panels(weights, m, k, destination) }
    }

    /// Copies fp32 weights into fp32 panels in `destination` (`f32PanelCount` floats); layouts as `packPanels`.
    public static func packF32Panels(_ weights: UnsafePointer<Float>, outFeatures m: Int, inFeatures k: Int,
                                     transposed: Bool = false, into destination: UnsafeMutablePointer<Float>) {
        if transposed {
            gk_pack_panels_f32_transposed(weights, m, k, destination)
        } else {
            gk_pack_panels_f32(weights, m, k, destination)
        }
    }
}
