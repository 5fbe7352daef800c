import CKernels
import Foundation

/// GELU in the tanh form used by GPT-2 (`gelu_new`) and the book: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
enum GELU {
    static let k0: Float = 0.7978845608028654  // sqrt(2 / pi)
    static let k1: Float = 0.044715

    /// In place over `count` values (C kernel, widest SIMD path).
    static func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        gk_gelu(x, count)
    }

    /// The naive twin: one value with `tanhf`.
    static func naive(_ v: Float) -> Float {
        0.5 * v * (1 + Foundation.tanh(k0 * (v + k1 * v * v * v)))
    }

    static func applyNaive(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = naive(x[i]) }
    }
}
