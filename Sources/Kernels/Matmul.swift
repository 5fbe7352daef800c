import CBLAS
import CKernels
import Dispatch

/// Linear layers: y[N, M] = x[N, K] * W[M, K]^T + b[M], with W stored [out, in] like `nn.Linear`, fp32 or bf16.
///
/// Few rows (decode) go to the C kernels `gk_linear_f32` / `gk_linear_bf16`, which stream each weight row from
/// memory once for all rows; many rows (prefill) go to OpenBLAS sgemm (bf16 weights are widened tile by tile
/// into a cache-sized fp32 buffer first). Either way the output columns are split over `threads` threads, and the
/// bias (and GELU, when asked) is applied by the thread that computed those columns, while they are in cache.
/// Threading rule: the calls are synchronous; any number may run at once on different outputs.
public enum Matmul {
    /// Rows up to this count use the own kernel with fp32 weights; above it sgemm. Measured with `gptls bench`.
    public static var smallRowLimit = 8
    /// The same for bf16 weights, whose own kernel multiplies twice as many values per instruction with AVX-512
    /// BF16 and so stays ahead of widening + sgemm for longer.
    public static var smallRowLimitBF16 = 8
    /// Threads for our own kernels (the machine has 2 cores).
    public static var threads = 2

    /// OpenBLAS runs single-threaded and we split products over our own threads: its idle workers spin in
    /// sched_yield between calls and steal the cores our other kernels need (measured: prefill +50 % on 2 cores).
    public static let singleThreadedBLAS: Void = { openblas_set_num_threads(1) }()

    /// y = x W^T + b, or y += x W^T + b when `accumulate` (fuses the residual add); then GELU in place when `gelu`.
    public static func linear(_ x: UnsafePointer<Float>, rows n: Int, weight: LinearWeight,
                              bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>,
                              accumulate: Bool = false, gelu: Bool = false) {
        let m = weight.outFeatures, k = weight.inFeatures
        let small = n <= (weight.format == .bf16 ? smallRowLimitBF16 : smallRowLimit)
        let parts = m >= 64 && threads > 1 ? threads : 1
        let chunk = ((m + parts - 1) / parts + 15) & ~15  // multiples of 16 columns: whole cache lines of y
        let body = { (part: Int) in
            let lo = min(m, part * chunk), hi = min(m, lo + chunk)
            guard lo < hi else { return }
            if small {
                switch weight.storage {
                case .f32(let w): gk_linear_f32(x, n, k, w, bias, m, lo, hi, y, accumulate ? 1 : 0)
                case .bf16(let w): gk_linear_bf16(x, n, k, w, bias, m, lo, hi, y, accumulate ? 1 : 0)
                }
            } else {
                gemm(x, rows: n, weight: weight, columns: lo..<hi, into: y, accumulate: accumulate)
                if let bias { gk_add_bias(y + lo, n, hi - lo, m, bias + lo) }
            }
            if gelu { for r in 0..<n { gk_gelu(y + r * m + lo, hi - lo) } }
        }
        if parts == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: body) }
    }

    /// fp32 weights, the original entry point: y = x W^T + b with W [M, K].
    public static func linear(_ x: UnsafePointer<Float>, rows n: Int, inFeatures k: Int,
                              weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures m: Int,
                              into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        linear(x, rows: n, weight: LinearWeight(f32: w, outFeatures: m, inFeatures: k), bias: bias, into: y,
               accumulate: accumulate)
    }

    /// Single-threaded sgemm into columns `columns` of y ([N, M]); bf16 weights are widened in tiles of about
    /// 1 MiB so each tile is still in cache when sgemm packs it.
    static func gemm(_ x: UnsafePointer<Float>, rows n: Int, weight: LinearWeight, columns: Range<Int>,
                     into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        _ = singleThreadedBLAS
        let m = weight.outFeatures, k = weight.inFeatures
        let beta: Float = accumulate ? 1 : 0
        switch weight.storage {
        case .f32(let w):
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(columns.count), Int32(k),
                        1, x, Int32(k), w + columns.lowerBound * k, Int32(k), beta, y + columns.lowerBound, Int32(m))
        case .bf16(let w):
            let tileColumns = max(16, ((1 << 18) / max(k, 1)) & ~15)
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileColumns * k)
            defer { tile.deallocate() }
            for j0 in stride(from: columns.lowerBound, to: columns.upperBound, by: tileColumns) {
                let count = min(tileColumns, columns.upperBound - j0)
                gk_bf16_to_f32(w + j0 * k, tile, count * k)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(count), Int32(k),
                            1, x, Int32(k), tile, Int32(k), beta, y + j0, Int32(m))
            }
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
