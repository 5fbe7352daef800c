extension GGUFFile {
    /// Writes the tensor's elements as fp32 into `buffer` (which holds `info.elementCount`), in storage order (which
    /// is row-major in `info.shape`). Bit for bit what gguf-py's `gguf.quants.dequantize` gives.
    ///
    /// Throws `unsupportedTensorType` for types other than F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K and Q6_K.
    /// Complexity: O(elements).
    public func dequantize(_ info: TensorInfo, into buffer: UnsafeMutablePointer<Float>) throws {
        try dequantize(info, blocks: 0..<(info.elementCount / info.type.blockSize), into: buffer)
    }

    /// Dequantizes the blocks `blocks` of the tensor (each `info.type.blockSize` elements, in storage order) into
    /// `buffer`: one row of a table is the blocks of its elements, since ggml blocks never cross a row.
    func dequantize(_ info: TensorInfo, blocks: Range<Int>, into buffer: UnsafeMutablePointer<Float>) throws {
        let bytes = self.bytes(of: info)
        let size = info.type.typeSize
        try dequantize(info, stored: UnsafeRawBufferPointer(rebasing: bytes[(blocks.lowerBound * size)..<(blocks.upperBound * size)]),
                       into: buffer)
    }

    /// `dequantize(_:blocks:into:)` with the blocks read by pread instead of from the mapping (`MappedFile.read`),
    /// so that looking rows up leaves no file pages in the process's memory; from the mapping if the read fails.
    func dequantizeRead(_ info: TensorInfo, blocks: Range<Int>, into buffer: UnsafeMutablePointer<Float>) throws {
        let size = info.type.typeSize
        let count = blocks.count * size
        try withUnsafeTemporaryAllocation(byteCount: max(count, 1), alignment: 16) { scratch in
            let bytes = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<count])
            guard file.read(into: bytes, offset: dataOffset + info.offset + blocks.lowerBound * size) else {
                return try dequantize(info, blocks: blocks, into: buffer)
            }
            try dequantize(info, stored: UnsafeRawBufferPointer(bytes), into: buffer)
        }
    }

    /// Dequantizes whole blocks of `info`'s type laid end to end in `stored` into `buffer`.
    private func dequantize(_ info: TensorInfo, stored bytes: UnsafeRawBufferPointer,
                            into buffer: UnsafeMutablePointer<Float>) throws {
        let size = info.type.typeSize
        func each(_ body: (UnsafeRawBufferPointer, UnsafeMutablePointer<Float>) -> Void) {
            for b in 0..<(bytes.count / size) {
                body(UnsafeRawBufferPointer(rebasing: bytes[(b * size)..<(b * size + size)]),
                     buffer + b * info.type.blockSize)
            }
        }
        switch info.type {
        case .f32: each { src, out in out[0] = Float(bitPattern: src.uint32(at: 0)) }
        case .f16: each { src, out in out[0] = floatFromHalf(src.uint16(at: 0)) }
        case .bf16: each { src, out in out[0] = Float(bitPattern: UInt32(src.uint16(at: 0)) << 16) }
        case .q8_0: each(GGUFBlocks.q8_0)
        case .q4_0: each(GGUFBlocks.q4_0)
        case .q5_0: each(GGUFBlocks.q5_0)
        case .q4_K: each(GGUFBlocks.q4_K)
        case .q6_K: each(GGUFBlocks.q6_K)
        default:
            throw GGUFError.unsupportedTensorType(file: fileName, tensor: info.name, type: info.type.name)
        }
    }

    /// The tensor's elements as fp32, in storage order. See `dequantize(_:into:)`.
    public func dequantize(_ info: TensorInfo) throws -> [Float] {
        try [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, count in
            try dequantize(info, into: buffer.baseAddress!)
            count = info.elementCount
        }
    }
}

/// One block of each quantized type to fp32, as ggml-quants.c's `dequantize_row_*` define them, with gguf-py's
/// order of fp32 operations (so results are equal bit for bit): the block scale times the small integer, and for
/// the K types the sub-block scale folded into the block scale first.
enum GGUFBlocks {
    /// 34 bytes: f16 d, 32 × i8. y = q × d.
    static func q8_0(_ src: UnsafeRawBufferPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = floatFromHalf(src.uint16(at: 0))
        for j in 0..<32 { out[j] = Float(Int8(bitPattern: src[2 + j])) * d }
    }

    /// 18 bytes: f16 d, 16 bytes of nibbles (element j < 16 the low nibble of byte j, j + 16 its high nibble).
    /// y = d × (q - 8).
    static func q4_0(_ src: UnsafeRawBufferPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = floatFromHalf(src.uint16(at: 0))
        for j in 0..<16 {
            let byte = src[2 + j]
            out[j] = d * Float(Int(byte & 0x0F) - 8)
            out[j + 16] = d * Float(Int(byte >> 4) - 8)
        }
    }

    /// 22 bytes: f16 d, u32 of fifth bits (bit j for element j), 16 bytes of nibbles as Q4_0. y = d × (q - 16).
    static func q5_0(_ src: UnsafeRawBufferPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = floatFromHalf(src.uint16(at: 0))
        let high = src.uint32(at: 2)
        for j in 0..<16 {
            let byte = src[6 + j]
            let low = Int(byte & 0x0F) | Int((high >> UInt32(j)) & 1) << 4
            let upper = Int(byte >> 4) | Int((high >> UInt32(j + 16)) & 1) << 4
            out[j] = d * Float(low - 16)
            out[j + 16] = d * Float(upper - 16)
        }
    }

    /// 144 bytes: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32, 128 bytes of nibbles
    /// (sub-blocks 2i and 2i + 1 are the low and high nibbles of bytes 32i ..< 32i + 32).
    /// y = (d × scale) × q - (dmin × min).
    static func q4_K(_ src: UnsafeRawBufferPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = floatFromHalf(src.uint16(at: 0))
        let dmin = floatFromHalf(src.uint16(at: 2))
        for sub in 0..<8 {
            let (scale, min) = scaleMin(src, sub)
            let factor = d * Float(scale)
            let offset = dmin * Float(min)
            let shift = UInt8(4 * (sub % 2))
            for l in 0..<32 {
                let q = (src[16 + (sub / 2) * 32 + l] >> shift) & 0x0F
                out[sub * 32 + l] = factor * Float(q) - offset
            }
        }
    }

    /// Q4_K's packing of 8 six-bit scales and mins in 12 bytes (ggml's `get_scale_min_k4`).
    private static func scaleMin(_ src: UnsafeRawBufferPointer, _ j: Int) -> (UInt8, UInt8) {
        let s = 4  // the scales start after d and dmin
        if j < 4 { return (src[s + j] & 63, src[s + j + 4] & 63) }
        let scale = (src[s + j + 4] & 0x0F) | ((src[s + j - 4] >> 6) << 4)
        let min = (src[s + j + 4] >> 4) | ((src[s + j] >> 6) << 4)
        return (scale, min)
    }

    /// 210 bytes: 128 bytes of low nibbles, 64 bytes of high two-bit pairs, 16 × i8 scales (one per 16 elements),
    /// f16 d. Element 128h + 32k + l (h < 2, k < 4, l < 32): low nibble of byte 64h + 32(k % 2) + l shifted by
    /// 4(k / 2), high bits of byte 128 + 32h + l shifted by 2k. y = (d × scale) × (q - 32).
    static func q6_K(_ src: UnsafeRawBufferPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = floatFromHalf(src.uint16(at: 208))
        for h in 0..<2 {
            for k in 0..<4 {
                for l in 0..<32 {
                    let low = (src[64 * h + 32 * (k % 2) + l] >> UInt8(4 * (k / 2))) & 0x0F
                    let high = (src[128 + 32 * h + l] >> UInt8(2 * k)) & 0x03
                    let q = Int(low | high << 4) - 32
                    let element = 128 * h + 32 * k + l
                    let scale = Float(Int8(bitPattern: src[192 + element / 16]))
                    out[element] = (d * scale) * Float(q)
                }
            }
        }
    }
}
