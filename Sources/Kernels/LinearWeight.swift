/// A linear layer's weight matrix [M, K] (out, in; the `nn.Linear` layout), stored as fp32 or bf16.
///
/// Does not own its memory: the model's weight storage does, and outlives every use.
public struct LinearWeight: @unchecked Sendable {
    /// How weights are held in memory. bf16 halves the bytes every decode step reads (decode is memory-bound);
    /// products still accumulate in fp32.
    public enum Format: String, CaseIterable, Sendable {
        case f32
        case bf16
    }

    public enum Storage {
        case f32(UnsafePointer<Float>)
        case bf16(UnsafePointer<UInt16>)
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

    public var format: Format {
        if case .bf16 = storage { return .bf16 }
        return .f32
    }

    /// Bytes of the matrix.
    public var byteCount: Int { outFeatures * inFeatures * (format == .bf16 ? 2 : 4) }
}
