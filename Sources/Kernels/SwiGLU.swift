import Foundation

/// SwiGLU's gating: out = silu(gate) * up, where silu(g) = g / (1 + e^-g).
public enum SwiGLU {
    /// gateUp: [N, 2F], each row the F gate values then the F up values; out: [N, F].
    public static func apply(_ gateUp: UnsafePointer<Float>, rows n: Int, width f: Int,
                             into out: UnsafeMutablePointer<Float>) {
        for row in 0..<n {
            let g = gateUp + row * 2 * f, u = g + f, o = out + row * f
            for i in 0..<f { o[i] = g[i] / (1 + Foundation.exp(-g[i])) * u[i] }
        }
    }

    /// The naive twin, in Double.
    static func applyNaive(_ gateUp: UnsafePointer<Float>, rows n: Int, width f: Int,
                           into out: UnsafeMutablePointer<Float>) {
        for row in 0..<n {
            for i in 0..<f {
                let g = Double(gateUp[row * 2 * f + i]), u = Double(gateUp[row * 2 * f + f + i])
                out[row * f + i] = Float(g / (1 + Foundation.exp(-g)) * u)
            }
        }
    }
}
