import Foundation

/// GELU in the tanh form used by GPT-2 (`gelu_new`) and the book: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
public enum GELU {
    static let k0: Float = 0.7978845608028654  // sqrt(2 / pi)
    static let k1: Float = 0.044715

    /// In place over `count` values, SIMD16 with a scalar tail.
    public static func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: VectorMath.Vector.self)
            let u = k0 * (v + k1 * v * v * v)
            let y = 0.5 * v * (1 + VectorMath.tanh(u))
            raw.storeBytes(of: y, toByteOffset: i * 4, as: VectorMath.Vector.self)
            i += 16
        }
        while i < count {
            x[i] = naive(x[i])
            i += 1
        }
    }

    /// The naive twin: one value with `tanhf`.
    public static func naive(_ v: Float) -> Float {
        0.5 * v * (1 + Foundation.tanh(k0 * (v + k1 * v * v * v)))
    }

    public static func applyNaive(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = naive(x[i]) }
    }
}
