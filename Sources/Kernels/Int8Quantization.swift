/// The naive twin of the int8 kernels (`gk_pack_panels_i8`, `gk_activations_i8`, `gk_linear_panels_i8`): the
/// same quantization written out in Swift, with no layout, so tests can compare every SIMD path against it.
enum Int8Quantization {
    /// Symmetric int8 of `values`: scale = max |v| / 127, q = v / scale rounded to nearest even, within +-127 (all
    /// zero, scale 0, for an all-zero slice).
    static func quantizeNaive<C: Collection<Float>>(_ values: C) -> (scale: Float, values: [Int32]) {
        let amax = values.reduce(Float(0)) { max($0, abs($1)) }
        let inverse: Float = amax > 0 ? 127 / amax : 0
        let q = values.map { Int32(max(-127, min(127, ($0 * inverse).rounded(.toNearestOrEven)))) }
        return (amax / 127, q)
    }

    /// y = x W^T + b (or y += ...) with W [M, K] row-major quantized per output and x per row, as the kernels do:
    /// exact integer dot products, then row scale x output scale.
    static func linearNaive(_ x: UnsafePointer<Float>, rows n: Int, inFeatures k: Int, weight w: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>?, outFeatures m: Int, into y: UnsafeMutablePointer<Float>,
                            accumulate: Bool = false) {
        let columns = (0..<m).map { quantizeNaive(UnsafeBufferPointer(start: w + $0 * k, count: k)) }
        for r in 0..<n {
            let row = quantizeNaive(UnsafeBufferPointer(start: x + r * k, count: k))
            for j in 0..<m {
                var dot: Int32 = 0
                for i in 0..<k { dot += row.values[i] * columns[j].values[i] }
                let sum = Float(dot) * (row.scale * columns[j].scale)
                y[r * m + j] = (accumulate ? y[r * m + j] : 0) + sum + (bias?[j] ?? 0)
            }
        }
    }
}
