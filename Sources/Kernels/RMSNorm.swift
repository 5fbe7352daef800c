import Foundation

/// Root-mean-square normalisation over the last axis: y = x / sqrt(mean(x^2) + eps) * gain (Llama, Qwen).
public enum RMSNorm {
    /// x, y: [N, C] (may be the same buffer); gain: [C]. The sum of squares is kept in fp32 lanes, as
    /// Hugging Face computes it in fp32.
    public static func apply(_ x: UnsafePointer<Float>, rows n: Int, channels c: Int, gain: UnsafePointer<Float>,
                             epsilon: Float, into y: UnsafeMutablePointer<Float>) {
        for row in 0..<n {
            let xr = x + row * c, yr = y + row * c
            var lanes = SIMD8<Float>(), i = 0
            while i + 8 <= c {
                let v = UnsafeRawPointer(xr + i).loadUnaligned(as: SIMD8<Float>.self)
                lanes += v * v
                i += 8
            }
            var sum = lanes.sum()
            while i < c { sum += xr[i] * xr[i]; i += 1 }
            let inv = 1 / (sum / Float(c) + epsilon).squareRoot()
            for j in 0..<c { yr[j] = xr[j] * inv * gain[j] }
        }
    }

    /// The naive twin, in Double for the statistics.
    static func applyNaive(_ x: UnsafePointer<Float>, rows n: Int, channels c: Int, gain: UnsafePointer<Float>,
                           epsilon: Float, into y: UnsafeMutablePointer<Float>) {
        for row in 0..<n {
            var sum = 0.0
            for i in 0..<c { sum += Double(x[row * c + i]) * Double(x[row * c + i]) }
            let inv = 1 / (sum / Double(c) + Double(epsilon)).squareRoot()
            for i in 0..<c { y[row * c + i] = Float(Double(x[row * c + i]) * inv) * gain[i] }
        }
    }
}
