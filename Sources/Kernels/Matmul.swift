import CKernels

/// Linear layers: y[N, M] = x[N, K] * W[M, K]^T + b[M], with W [out, in] like `nn.Linear`, packed in panels of 16
/// output columns, fp32, bf16, int8, or a GGUF file's Q4_K, Q6_K, Q5_0 or Q4_0 blocks (or stacked parts of those).
///
/// Every layout goes to the C kernels for any row count: `gk_linear_panels` (bf16; with AVX-512 BF16 it multiplies
/// bf16 pairs with vdpbf16ps at about 2.5x the rate of fp32 sgemm), `gk_linear_panels_f32` (about 1.3x OpenBLAS
/// sgemm here) and `gk_linear_panels_i8` (int8 weights times activations quantized per row; vpdpbusd multiplies
/// 4 byte pairs per lane), `gk_linear_panels_q4k` (a GGUF file's Q4_K weights times activations quantized per
/// 256 inputs, as llama.cpp's Q8_K; `gk_linear_panels_q6k` the same for Q6_K) and `gk_linear_panels_q5` (Q5_0 /
/// Q4_0 weights times activations quantized per
/// 32 inputs, as llama.cpp's Q8_0). Each weight is read once per tile of up to 12 rows, so they serve decode and
/// prefill alike. The output columns are split over `threads` threads, and the bias (and GELU, when asked) is
/// applied by the thread that computed those columns, while they are in cache. Stacked parts are multiplied one after
/// the other, each into its own columns of y.
/// Threading rule: the calls are synchronous; any number may run at once on different outputs.
public enum Matmul {
    /// y = x W^T + b, or y += x W^T + b when `accumulate` (fuses the residual add); then GELU in place when `gelu`.
    public static func linear(_ x: UnsafePointer<Float>, rows n: Int, weight: LinearWeight,
                              bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>,
                              accumulate: Bool = false, gelu: Bool = false, threads: Int = KernelThreads.count) {
        if case .stacked(let parts) = weight.storage {
            var first = 0
            for part in parts {
                linear(x, rows: n, weight: part, bias: bias.map { $0 + first }, into: y + first,
                       outputStride: weight.outFeatures, accumulate: accumulate, gelu: gelu, threads: threads)
                first += part.outFeatures
            }
        } else {
            linear(x, rows: n, weight: weight, bias: bias, into: y, outputStride: weight.outFeatures,
                   accumulate: accumulate, gelu: gelu, threads: threads)
        }
    }

    /// `linear` for one matrix that is not stacked, writing rows of y `outputStride` floats apart (a stacked
    /// part's columns inside the whole product).
    private static func linear(_ x: UnsafePointer<Float>, rows n: Int, weight: LinearWeight,
                               bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>, outputStride: Int,
                               accumulate: Bool, gelu: Bool, threads: Int) {
        let m = weight.outFeatures, k = weight.inFeatures, stride = outputStride
        // More parts than threads, claimed as threads free up: a thread that starts late or runs slower (another
        // process on its core) does not hold up the other. Parts are whole multiples of 32 columns (two bf16
        // panels, whole cache lines of y) and at least 128 columns, so each still streams long runs of W.
        let parts = threads <= 1 ? 1 : max(1, min(4 * threads, m / 128))
        let chunk = ((m + parts - 1) / parts + 31) & ~31
        // The bf16 kernel's activations, rounded once for all threads (only where it multiplies in bf16).
        var activations: UnsafeMutablePointer<UInt16>?
        if weight.isBF16 && gk_panels_use_bf16_activations() != 0 {
            activations = .allocate(capacity: n * ((k + 1) & ~1))
            gk_activations_bf16(x, n, k, activations)
        }
        defer { activations?.deallocate() }
        // The int8 kernel's activations, quantized once per row for all threads.
        var quantized: UnsafeMutablePointer<UInt8>?, rowScales: UnsafeMutablePointer<Float>?
        if case .int8Panels = weight.storage {
            quantized = .allocate(capacity: n * ((k + 3) & ~3))
            rowScales = .allocate(capacity: n)
            gk_activations_i8(x, n, k, quantized, rowScales)
        }
        defer { quantized?.deallocate(); rowScales?.deallocate() }
        // The Q4_K and Q6_K kernels' activations: int8 per block of 256 inputs with its scale, and the sums of each
        // 32 (Q4_K's sub-blocks, for its mins) or 16 (Q6_K's, through which its offset 32 folds).
        var blockQuantized: UnsafeMutablePointer<Int8>?, blockScales: UnsafeMutablePointer<Float>?
        var blockSums: UnsafeMutablePointer<Int16>?
        var sumGroup = 0
        switch weight.storage {
        case .q4KPanels: sumGroup = 32
        case .q6KPanels: sumGroup = 16
        default: break
        }
        if sumGroup > 0 {
            blockQuantized = .allocate(capacity: n * k)
            blockScales = .allocate(capacity: n * k / 256)
            blockSums = .allocate(capacity: n * k / sumGroup)
            gk_activations_q8k(x, n, k, sumGroup, blockQuantized, blockScales, blockSums)
        }
        defer { blockQuantized?.deallocate(); blockScales?.deallocate(); blockSums?.deallocate() }
        // The Q5_0 / Q4_0 kernel's activations: int8 per block of 32 inputs with its scale (ggml's Q8_0) and the
        // correction that takes the weights' offset back out.
        var q8Values: UnsafeMutablePointer<Int8>?, q8Scales: UnsafeMutablePointer<Float>?
        var q8Corrections: UnsafeMutablePointer<Int32>?
        if case .q5Panels(let w) = weight.storage {
            q8Values = .allocate(capacity: n * k)
            q8Scales = .allocate(capacity: n * k / 32)
            q8Corrections = .allocate(capacity: n * k / 32)
            gk_activations_q8_0(x, n, k, w.fifthBits ? 1 : 0, q8Values, q8Scales, q8Corrections)
        }
        defer { q8Values?.deallocate(); q8Scales?.deallocate(); q8Corrections?.deallocate() }
        let body = { (part: Int) in
            let lo = min(m, part * chunk), hi = min(m, lo + chunk)
            guard lo < hi else { return }
            switch weight.storage {
            case .bf16Panels(let w):
                gk_linear_panels(x, activations, n, k, w, bias, stride, lo, hi, y, accumulate ? 1 : 0)
            case .f32Panels(let w):
                gk_linear_panels_f32(x, n, k, w, bias, stride, lo, hi, y, accumulate ? 1 : 0)
            case .int8Panels(let w):
                gk_linear_panels_i8(quantized, rowScales, n, k, w.weights, w.scales, w.sums, bias, stride, lo, hi, y,
                                    accumulate ? 1 : 0)
            case .q4KPanels(let w):
                gk_linear_panels_q4k(blockQuantized, blockScales, blockSums, n, k, w, bias, stride, lo, hi, y,
                                     accumulate ? 1 : 0)
            case .q5Panels(let w):
                gk_linear_panels_q5(q8Values, q8Scales, q8Corrections, n, k, w.bytes, w.fifthBits ? 1 : 0, bias, stride, lo,
                                    hi, y, accumulate ? 1 : 0)
            case .q6KPanels(let w):
                gk_linear_panels_q6k(blockQuantized, blockScales, blockSums, n, k, w, bias, stride, lo, hi, y,
                                     accumulate ? 1 : 0)
            case .stacked:
                preconditionFailure("stacked parts are multiplied one by one")
            }
            if gelu { for r in 0..<n { gk_gelu(y + r * stride + lo, hi - lo) } }
        }
        Parallel.run(parts, threads: threads, body)
    }

    /// The naive twin over row-major fp32 W [M, K]: triple loop in Double.
    static func linearNaive(_ x: UnsafePointer<Float>, rows n: Int, inFeatures k: Int,
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
