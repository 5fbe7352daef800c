import CBLAS
import Dispatch

/// Linear layers: y[N, M] = x[N, K] * W[M, K]^T + b[M], with W stored [out, in] like `nn.Linear`.
///
/// Large N (prefill) goes to OpenBLAS sgemm; small N (decode, a few rows) goes to our own SIMD kernel that streams
/// each weight row once for all rows and splits the output columns over `threads` threads, because sgemm is slow
/// for skinny products. Threading rule: the calls are synchronous; run one at a time per thread of the caller.
public enum Matmul {
    /// Rows up to this count use `linearSmall`; measured with `gptls bench`.
    public static var smallRowLimit = 8
    /// Threads for our own kernels (the machine has 2 cores).
    public static var threads = 2

    /// y = x W^T + b, or y += x W^T + b when `accumulate` (fuses the residual add).
    public static func linear(_ x: UnsafePointer<Float>, rows n: Int, inFeatures k: Int,
                              weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures m: Int,
                              into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        if n <= smallRowLimit {
            linearSmall(x, rows: n, inFeatures: k, weight: w, bias: bias, outFeatures: m, into: y,
                        accumulate: accumulate)
            return
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(m), Int32(k),
                    1, x, Int32(k), w, Int32(k), accumulate ? 1 : 0, y, Int32(m))
        if let bias {
            for row in 0..<n {
                let yr = y + row * m
                for j in 0..<m { yr[j] += bias[j] }
            }
        }
    }

    /// Own kernel for few rows: each weight row is read once and dotted with up to 4 activation rows at a time.
    public static func linearSmall(_ x: UnsafePointer<Float>, rows n: Int, inFeatures k: Int,
                                   weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures m: Int,
                                   into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let parts = m >= 256 ? max(1, threads) : 1
        let chunk = (m + parts - 1) / parts
        let body = { (part: Int) in
            let lo = part * chunk, hi = min(m, lo + chunk)
            if lo < hi {
                dotRows(x, rows: n, k: k, w: w, bias: bias, columns: lo..<hi, m: m, y: y, accumulate: accumulate)
            }
        }
        if parts == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: body) }
    }

    @inline(__always)
    static func dotRows(_ x: UnsafePointer<Float>, rows n: Int, k: Int, w: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, columns: Range<Int>, m: Int, y: UnsafeMutablePointer<Float>,
                        accumulate: Bool) {
        typealias V = VectorMath.Vector
        let xr = UnsafeRawPointer(x)
        let kv = k & ~15
        var r0 = 0
        while r0 < n {
            let rn = min(4, n - r0)
            for j in columns {
                let wr = UnsafeRawPointer(w + j * k)
                var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                var i = 0
                while i < kv {
                    let wv = wr.loadUnaligned(fromByteOffset: i * 4, as: V.self)
                    a0 += wv * xr.loadUnaligned(fromByteOffset: (r0 * k + i) * 4, as: V.self)
                    if rn > 1 { a1 += wv * xr.loadUnaligned(fromByteOffset: ((r0 + 1) * k + i) * 4, as: V.self) }
                    if rn > 2 { a2 += wv * xr.loadUnaligned(fromByteOffset: ((r0 + 2) * k + i) * 4, as: V.self) }
                    if rn > 3 { a3 += wv * xr.loadUnaligned(fromByteOffset: ((r0 + 3) * k + i) * 4, as: V.self) }
                    i += 16
                }
                var sums = (a0.sum(), a1.sum(), a2.sum(), a3.sum())
                while i < k {
                    let wv = w[j * k + i]
                    sums.0 += wv * x[r0 * k + i]
                    if rn > 1 { sums.1 += wv * x[(r0 + 1) * k + i] }
                    if rn > 2 { sums.2 += wv * x[(r0 + 2) * k + i] }
                    if rn > 3 { sums.3 += wv * x[(r0 + 3) * k + i] }
                    i += 1
                }
                let b = bias?[j] ?? 0
                for r in 0..<rn {
                    let value = r == 0 ? sums.0 : r == 1 ? sums.1 : r == 2 ? sums.2 : sums.3
                    let out = y + (r0 + r) * m + j
                    out.pointee = (accumulate ? out.pointee : 0) + value + b
                }
            }
            r0 += 4
        }
    }

    /// The naive twin: triple loop in Double.
    public static func linearNaive(_ x: UnsafePointer<Float>, rows n: Int, inFeatures k: Int,
                                   weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures m: Int,
                                   into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        for row in 0..<n {
            for j in 0..<m {
                var s = Double(bias?[j] ?? 0)
                for i in 0..<k { s += Double(x[row * k + i]) * Double(w[j * k + i]) }
                y[row * m + j] = (accumulate ? y[row * m + j] : 0) + Float(s)
            }
        }
    }
}
