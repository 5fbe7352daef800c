import CKernels

/// A linear layer's weight matrix [M, K] (out, in; the `nn.Linear` layout), stored as fp32 or bf16.
///
/// Does not own its memory: the model's weight storage does, and outlives every use.
public struct LinearWeight: @unchecked Sendable {
    public enum Storage {
        /// Row-major [M, K].
        case f32(UnsafePointer<Float>)
        /// Panels of 16 output columns with input pairs interleaved (`gk_pack_panels`, `panelCount` elements):
        /// the operand layout of the bf16 kernel.
        case bf16Panels(UnsafePointer<UInt16>)
    }

    public let storage: Storage
    /// M: output features.
    public let outFeatures: Int
    /// K: input features.
    public let inFeatures: Int

    public init(_ storage: Storage, outFeatures: Int, inFeatures: Int) {
        self.storage = storage; self.outFeatures = outFeatures; self.inFeatures = inFeatures
    }

    public init(f32 pointer: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int) {
        self.init(.f32(pointer), outFeatures: outFeatures, inFeatures: inFeatures)
    }

    /// Whether the weights are bf16 panels (half the bytes every decode step reads; products accumulate in fp32).
    public var isBF16: Bool {
        if case .bf16Panels = storage { return true }
        return false
    }

    /// Bytes of the matrix as stored (bf16 panels are padded to 16 columns and an even K).
    public var byteCount: Int {
        isBF16 ? 2 * Self.panelCount(outFeatures: outFeatures, inFeatures: inFeatures)
            : 4 * outFeatures * inFeatures
    }

    /// UInt16 elements of bf16 panels for [M, K].
    public static func panelCount(outFeatures m: Int, inFeatures k: Int) -> Int { gk_panels_size(m, k) }

    /// Rounds fp32 [M, K] (`weights`) to bf16 panels in `destination` (`panelCount` elements).
    public static func packPanels(_ weights: UnsafePointer<Float>, outFeatures m: Int, inFeatures k: Int,
                                  into destination: UnsafeMutablePointer<UInt16>) {
        gk_pack_panels(weights, m, k, destination)
    }
}
