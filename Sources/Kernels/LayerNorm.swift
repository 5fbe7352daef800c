import CKernels

/// Layer normalisation over the last axis: y = (x - mean) / sqrt(var + eps) * gain + bias (biased variance).
public enum LayerNorm {
    /// x, y: [N, C] (may be the same buffer); gain, bias: [C]. C kernel, widest SIMD path.
    public static func apply(_ x: UnsafePointer<Float>, rows n: Int, channels c: Int,
                             gain: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float,
                             into y: UnsafeMutablePointer<Float>) {
        gk_layernorm(x, n, c, gain, bias, epsilon, y)
    }

    /// The naive twin, in Double for the statistics.
    static func applyNaive(_ x: UnsafePointer<Float>, rows n: Int, channels c: Int,
                           gain: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float,
                           into y: UnsafeMutablePointer<Float>) {
        for row in 0..<n {
            var mean = 0.0
            for i in 0..<c { mean += Double(x[row * c + i]) }
            mean /= Double(c)
            var variance = 0.0
            for i in 0..<c { let d = Double(x[row * c + i]) - mean; variance += d * d }
            variance /= Double(c)
            let inv = 1 / (variance + Double(epsilon)).squareRoot()
            for i in 0..<c {
                y[row * c + i] = Float((Double(x[row * c + i]) - mean) * inv) * gain[i] + bias[i]
            }
        }
    }
}
