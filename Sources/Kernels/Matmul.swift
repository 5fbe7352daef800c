import CBLAS
import CKernels

/// Linear layers: y[N, M] = x[N, K] * W[M, K]^T + b[M], with W [out, in] like `nn.Linear`, fp32 or bf16.
///
/// The model's weights are packed in panels of 16 output columns and go to the C kernels for any row count:
/// `gk_linear_panels` (bf16; with AVX-512 BF16 it multiplies bf16 pairs with vdpbf16ps at about 2.5x the rate of
/// fp32 sgemm) and `gk_linear_panels_f32` (about 1.3x OpenBLAS sgemm here). Each weight is read once per tile of
/// up to 12 rows, so they serve decode and prefill alike. Row-major fp32 weights (the generic entry point): few rows
/// go to `gk_linear_f32`, many to OpenBLAS sgemm. The output columns are split over `threads` threads, and the bias
/// (and GELU, when asked) is applied by the thread that computed those columns, while they are in cache.
/// Threading rule: the calls are synchronous; any number may run at once on different outputs.
public enum Matmul {
    /// Rows up to this count use the own kernel with row-major fp32 weights; above it sgemm. (The model's weights
    /// are all panels; row-major weights come only through the generic entry point.)
    static let smallRowLimit = 8
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
        // More parts than threads, claimed as threads free up: a thread that starts late or runs slower (another
        // process on its core) does not hold up the other. Parts are whole multiples of 32 columns (two bf16
        // panels, whole cache lines of y) and at least 128 columns, so each still streams long runs of W.
        // (sgemm packs x again for each part it is given, so it gets one part per thread.)
        var sgemm = false
        if case .f32 = weight.storage { sgemm = n > smallRowLimit }
        let parts = threads <= 1 ? 1 : sgemm ? (m >= 64 ? threads : 1) : max(1, min(4 * threads, m / 128))
        let chunk = ((m + parts - 1) / parts + 31) & ~31
        // The bf16 kernel's activations, rounded once for all threads (only where it multiplies in bf16).
        var activations: UnsafeMutablePointer<UInt16>?
        if weight.isBF16 && gk_panels_use_bf16_activations() != 0 {
            activations = .allocate(capacity: n * ((k + 1) & ~1))
            gk_activations_bf16(x, n, k, activations)
        }
        defer { activations?.deallocate() }
        let body = { (part: Int) in
            let lo = min(m, part * chunk), hi = min(m, lo + chunk)
            guard lo < hi else { return }
            switch weight.storage {
            case .bf16Panels(let w):
                gk_linear_panels(x, activations, n, k, w, bias, m, lo, hi, y, accumulate ? 1 : 0)
            case .f32Panels(let w):
                gk_linear_panels_f32(x, n, k, w, bias, m, lo, hi, y, accumulate ? 1 : 0)
            case .f32(let w) where n <= smallRowLimit:
                gk_linear_f32(x, n, k, w, bias, m, lo, hi, y, accumulate ? 1 : 0)
            case .f32(let w):
                _ = singleThreadedBLAS
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(hi - lo), Int32(k),
                            1, x, Int32(k), w + lo * k, Int32(k), accumulate ? 1 : 0, y + lo, Int32(m))
                if let bias { gk_add_bias(y + lo, n, hi - lo, m, bias + lo) }
            }
            if gelu { for r in 0..<n { gk_gelu(y + r * m + lo, hi - lo) } }
        }
        Parallel.run(parts, threads: threads, body)
    }

    /// fp32 weights, the original entry point: y = x W^T + b with W [M, K].
    public static func linear(_ x: UnsafePointer<Float>, rows n: Int, inFeatures k: Int,
                              weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures m: Int,
                              into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        linear(x, rows: n, weight: LinearWeight(f32: w, outFeatures: m, inFeatures: k), bias: bias, into: y,
               accumulate: accumulate)
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
