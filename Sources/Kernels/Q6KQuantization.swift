/// The naive twin of the Q6_K kernels (`gk_pack_panels_q6k_row`, `gk_linear_panels_q6k`): Q6_K blocks dequantized to
/// fp32 and activations quantized per 256 inputs (as for Q4_K), written out in Swift with no layout, then a float dot
/// product, so tests can compare every SIMD path against it.
enum Q6KQuantization {
    /// One Q6_K block (210 bytes: 128 bytes of low nibbles, 64 of high two-bit pairs, 16 int8 scales, fp16 d) as 256
    /// fp32 weights, as ggml's dequantize_row_q6_K defines them: (d sc_s) (q - 32) in sub-block s of 16.
    static func dequantizeBlockNaive(_ block: UnsafeRawBufferPointer) -> [Float] {
        let d = Float(Float16(bitPattern: UInt16(block[208]) | UInt16(block[209]) << 8))
        var out = [Float](repeating: 0, count: 256)
        for i in 0..<256 {
            let h = i / 128, k = (i % 128) / 32, l = i % 32
            let low = (block[64 * h + 32 * (k % 2) + l] >> UInt8(4 * (k / 2))) & 0x0F
            let high = (block[128 + 32 * h + l] >> UInt8(2 * k)) & 0x03
            let scale = Float(Int8(bitPattern: block[192 + i / 16]))
            out[i] = (d * scale) * Float(Int(low | high << 4) - 32)
        }
        return out
    }

    /// W [M, K] of `blocks` (row j is blocks j * K/256 ..< (j + 1) * K/256, 210 bytes each) as fp32 rows.
    static func dequantizeNaive(_ blocks: [UInt8], outFeatures m: Int, inFeatures k: Int) -> [[Float]] {
        let perRow = k / 256
        return blocks.withUnsafeBytes { bytes in
            (0..<m).map { j in
                (0..<perRow).flatMap { b in
                    let at = (j * perRow + b) * 210
                    return dequantizeBlockNaive(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + 210)]))
                }
            }
        }
    }

    /// y = x W^T + b (or y += ...) with W [M, K] given as `blocks` and x quantized per 256 inputs as the kernels do,
    /// summed in Double.
    static func linearNaive(_ x: [Float], rows n: Int, inFeatures k: Int, blocks: [UInt8], bias: [Float]?,
                            outFeatures m: Int, into y: inout [Float], accumulate: Bool = false) {
        let w = dequantizeNaive(blocks, outFeatures: m, inFeatures: k)
        for r in 0..<n {
            let a = Q4KQuantization.quantizedActivationsNaive(x[(r * k)..<((r + 1) * k)])
            for j in 0..<m {
                var s = 0.0
                for i in 0..<k { s += Double(a[i]) * Double(w[j][i]) }
                y[r * m + j] = (accumulate ? y[r * m + j] : 0) + Float(s) + (bias?[j] ?? 0)
            }
        }
    }
}
