/// The naive twin of the Q5_0 / Q4_0 kernels (`gk_pack_panels_q5_row`, `gk_activations_q8_0`,
/// `gk_linear_panels_q5`): the file's blocks decoded as ggml defines them and the same per-block arithmetic written
/// out in Swift, with no layout, so tests can compare every SIMD path against it.
enum Q5Quantization {
    /// The 32 small integers q of one block as a GGUF file stores it (22 bytes of Q5_0: fp16 d, u32 of fifth bits,
    /// 16 bytes of nibbles; 18 of Q4_0: no fifth bits), element j < 16 the low nibble of byte j and j + 16 its high
    /// nibble, and d.
    static func decodeBlockNaive(_ block: UnsafeRawBufferPointer, fifthBits: Bool) -> (d: Float, q: [Int32]) {
        let d = Float(Float16(bitPattern: UInt16(block[0]) | UInt16(block[1]) << 8))
        let nibbles = fifthBits ? 6 : 2
        var high: UInt32 = 0
        if fifthBits { for i in 0..<4 { high |= UInt32(block[2 + i]) << (8 * i) } }
        let q = (0..<32).map { j -> Int32 in
            let byte = block[nibbles + j % 16]
            let nibble = j < 16 ? byte & 0x0F : byte >> 4
            return Int32(nibble) | Int32((high >> UInt32(j)) & 1) << 4
        }
        return (d, q)
    }

    /// The 32 weights of one block: d (q - 16) for Q5_0, d (q - 8) for Q4_0, as ggml's dequantize_row_q5_0 / q4_0.
    static func dequantizeBlockNaive(_ block: UnsafeRawBufferPointer, fifthBits: Bool) -> [Float] {
        let (d, q) = decodeBlockNaive(block, fifthBits: fifthBits)
        let offset: Int32 = fifthBits ? 16 : 8
        return q.map { d * Float($0 - offset) }
    }

    /// ggml's Q8_0 of 32 values: scale = max |v| / 127, q = v / scale rounded to nearest even (the int8 panels'
    /// rounding).
    static func quantizeBlockNaive<C: Collection<Float>>(_ values: C) -> (scale: Float, values: [Int32]) {
        Int8Quantization.quantizeNaive(values)
    }

    /// y = x W^T + b (or y += ...) with W [M, K] given as the file's blocks, row after row (K / 32 blocks a row),
    /// and x quantized per row and block of 32 as the kernels do: exact integer dot products per block, then
    /// d_w d_x times each, summed in fp32 in block order.
    static func linearNaive(_ x: UnsafePointer<Float>, rows n: Int, inFeatures k: Int, blocks: [UInt8],
                            fifthBits: Bool, bias: UnsafePointer<Float>?, outFeatures m: Int,
                            into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let size = fifthBits ? 22 : 18, nb = k / 32
        let offset: Int32 = fifthBits ? 16 : 8
        let weights = blocks.withUnsafeBytes { bytes in
            (0..<(m * nb)).map { block in
                decodeBlockNaive(UnsafeRawBufferPointer(rebasing: bytes[(block * size)..<(block * size + size)]),
                                 fifthBits: fifthBits)
            }
        }
        for r in 0..<n {
            let row = (0..<nb).map { quantizeBlockNaive(UnsafeBufferPointer(start: x + r * k + 32 * $0, count: 32)) }
            for j in 0..<m {
                var sum: Float = 0
                for b in 0..<nb {
                    let w = weights[j * nb + b], a = row[b]
                    var dot: Int32 = 0
                    for i in 0..<32 { dot += w.q[i] * a.values[i] }
                    dot -= offset * a.values.reduce(0, +)
                    sum = sum.addingProduct(Float(dot), w.d * a.scale)  // one FMA per block, as the kernels
                }
                y[r * m + j] = (accumulate ? y[r * m + j] : 0) + sum + (bias?[j] ?? 0)
            }
        }
    }
}
