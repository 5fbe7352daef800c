import CKernels

/// Vector helpers shared by the Swift kernels (attention's dot products and axpy).
public enum VectorMath {
    /// SIMD16 lanes: with AVX2 + FMA these become two ymm registers and fused multiply-adds.
    public typealias Vector = SIMD16<Float>

    /// e^x in place with the C kernels' polynomial (relative error about 2e-7, inputs clamped to [-87.3, 88.3]).
    public static func exp(_ x: UnsafeMutablePointer<Float>, count: Int) { gk_exp(x, count) }
}
