/// The naive twin of the Q4_K kernels (`gk_pack_panels_q4k_row`, `gk_activations_q8k`, `gk_linear_panels_q4k`):
/// Q4_K blocks dequantized to fp32 and activations quantized per 256 inputs, written out in Swift with no layout,
/// then a float dot product, so tests can compare every SIMD path against it.
enum Q4KQuantization {
    /// One Q4_K block (144 bytes: fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles) as
    /// 256 fp32 weights, as ggml's dequantize_row_q4_K defines them: (d sc_j) q - dmin m_j in sub-block j of 32.
    /// With `magnitudes`, (d sc_j) q + dmin m_j instead: the size of the two terms, which bounds the fp32 rounding
    /// of any order of summing them (they may cancel).
    static func dequantizeBlockNaive(_ block: UnsafeRawBufferPointer, magnitudes: Bool = false) -> [Float] {
        let d = Float(Float16(bitPattern: UInt16(block[0]) | UInt16(block[1]) << 8))
        let dmin = Float(Float16(bitPattern: UInt16(block[2]) | UInt16(block[3]) << 8))
        let packed = (0..<12).map { block[4 + $0] }
        var out = [Float](repeating: 0, count: 256)
        for sub in 0..<8 {
            let scale, min: UInt8
            if sub < 4 {
                scale = packed[sub] & 63
                min = packed[sub + 4] & 63
            } else {
                scale = (packed[sub + 4] & 0x0F) | (packed[sub - 4] >> 6) << 4
                min = (packed[sub + 4] >> 4) | (packed[sub] >> 6) << 4
            }
            for l in 0..<32 {
                let byte = block[16 + (sub / 2) * 32 + l]
                let q = sub % 2 == 0 ? byte & 0x0F : byte >> 4
                let term = (d * Float(scale)) * Float(q), offset = dmin * Float(min)
                out[sub * 32 + l] = magnitudes ? term + offset : term - offset
            }
        }
        return out
    }

    /// x quantized per block of 256 inputs as the kernels do (scale max |x| / 127, nearest even, within +-127) and
    /// read back: the values the kernels' integer products stand for.
    static func quantizedActivationsNaive(_ x: ArraySlice<Float>) -> [Float] {
        var out: [Float] = []
        for start in stride(from: x.startIndex, to: x.endIndex, by: 256) {
            let block = x[start..<min(start + 256, x.endIndex)]
            let amax = block.reduce(Float(0)) { max($0, abs($1)) }
            let inverse: Float = amax > 0 ? 127 / amax : 0
            out += block.map { max(-127, min(127, ($0 * inverse).rounded(.toNearestOrEven))) * (amax / 127) }
        }
        return out
    }

    /// y = x W^T + b (or y += ...) with W [M, K] given as `blocks` (row j is blocks j * K/256 ..< (j + 1) * K/256,
    /// 144 bytes each) and x quantized per 256 inputs as the kernels do, summed in Double.
    static func linearNaive(_ x: [Float], rows n: Int, inFeatures k: Int, blocks: [UInt8], bias: [Float]?,
                            outFeatures m: Int, into y: inout [Float], accumulate: Bool = false) {
        let perRow = k / 256
        let w: [[Float]] = blocks.withUnsafeBytes { bytes in
            (0..<m).map { j in
                (0..<perRow).flatMap { b in
                    let at = (j * perRow + b) * 144
                    return dequantizeBlockNaive(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + 144)]))
                }
            }
        }
        for r in 0..<n {
            let a = quantizedActivationsNaive(x[(r * k)..<((r + 1) * k)])
            for j in 0..<m {
                var s = 0.0
                for i in 0..<k { s += Double(a[i]) * Double(w[j][i]) }
                y[r * m + j] = (accumulate ? y[r * m + j] : 0) + Float(s) + (bias?[j] ?? 0)
            }
        }
    }
}
