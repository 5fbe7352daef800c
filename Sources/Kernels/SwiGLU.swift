import CKernels
import Foundation

/// SwiGLU's gating: out = silu(gate) * up, where silu(g) = g / (1 + e^-g).
public enum SwiGLU {
    /// gateUp: [N, 2F], each row the F gate values then the F up values; out: [N, F]. Prompts split their rows over
    /// `threads` threads; a decode step's few rows run on the caller's thread (a split costs more than it saves).
    public static func apply(_ gateUp: UnsafePointer<Float>, rows n: Int, width f: Int,
                             into out: UnsafeMutablePointer<Float>, threads: Int = KernelThreads.count) {
        let parts = n >= 2 * parallelRows && threads > 1 ? min(threads, n / parallelRows) : 1
        Parallel.run(parts, threads: threads) { part in
            for row in stride(from: part, to: n, by: parts) {
                gk_swiglu(gateUp + row * 2 * f, gateUp + row * 2 * f + f, f, out + row * f)
            }
        }
    }

    /// Rows below which one thread does all the gating.
    static let parallelRows = 8

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
