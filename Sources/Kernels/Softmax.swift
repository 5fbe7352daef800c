import CKernels
import Foundation

/// Numerically stable softmax over one vector, in place.
enum Softmax {
    /// C kernel, widest SIMD path; exp is a polynomial with relative error about 2e-7.
    static func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        gk_softmax(x, count)
    }

    /// The naive twin with `expf` and a Double sum.
    static func applyNaive(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var m = -Float.infinity
        for i in 0..<count { m = max(m, x[i]) }
        var sum = 0.0
        for i in 0..<count { x[i] = Foundation.exp(x[i] - m); sum += Double(x[i]) }
        for i in 0..<count { x[i] = Float(Double(x[i]) / sum) }
    }
}
