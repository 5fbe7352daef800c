import CKernels

/// Vector helpers for code outside the kernels (the sampler's softmax).
public enum VectorMath {
    /// e^x in place with the C kernels' polynomial (relative error about 2e-7, inputs clamped to [-87.3, 88.3]).
    public static func exp(_ x: UnsafeMutablePointer<Float>, count: Int) { gk_exp(x, count) }
}
