/// Owns the memory behind a model's weights: the mapped file (F32 tensors used in place) and fp32 buffers made at
/// load time (transposed Conv1D weights, concatenated Q/K/V, F16/BF16 conversions). Immutable once loaded.
final class WeightStorage {
    let file: SafetensorsFile
    private(set) var owned: [UnsafeMutablePointer<Float>] = []
    private(set) var ownedBytes = 0

    init(file: SafetensorsFile) { self.file = file }

    deinit { for p in owned { p.deallocate() } }

    func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        owned.append(p)
        ownedBytes += count * 4
        return p
    }

    func info(_ name: String) throws -> SafetensorsFile.TensorInfo {
        guard let info = file.tensors[name] else {
            throw GPTError.missingTensor(file: file.fileName, tensor: name)
        }
        return info
    }

    /// The tensor as fp32 with the given shape; `transposed` reads a stored [in, out] matrix (Conv1D) into [out, in].
    func floats(_ name: String, shape expected: [Int], transposed: Bool = false) throws -> UnsafePointer<Float> {
        let info = try info(name)
        let stored = transposed ? [expected[1], expected[0]] : expected
        guard info.shape == stored else {
            throw GPTError.wrongShape(file: file.fileName, tensor: name, shape: info.shape, expected: stored)
        }
        let src = file.bytes(info)
        let count = info.elementCount
        if info.dtype == "F32" && !transposed && Int(bitPattern: src) % 4 == 0 {
            return src.assumingMemoryBound(to: Float.self)
        }
        let out = allocate(count)
        if transposed {
            let rows = stored[0], cols = stored[1]  // source [rows, cols] -> destination [cols, rows]
            // F32 transposes straight from the mapping; half types are widened first.
            var source = src.assumingMemoryBound(to: Float.self)
            var widened: UnsafeMutablePointer<Float>?
            if info.dtype != "F32" || Int(bitPattern: src) % 4 != 0 {
                widened = .allocate(capacity: max(count, 1))
                convert(src, dtype: info.dtype, count: count, into: widened!)
                source = UnsafePointer(widened!)
            }
            defer { widened?.deallocate() }
            let tile = 64
            for r0 in stride(from: 0, to: rows, by: tile) {
                for c0 in stride(from: 0, to: cols, by: tile) {
                    for c in c0..<min(cols, c0 + tile) {
                        let dst = out + c * rows
                        for r in r0..<min(rows, r0 + tile) { dst[r] = source[r * cols + c] }
                    }
                }
            }
        } else {
            convert(src, dtype: info.dtype, count: count, into: out)
        }
        file.release(info)
        return UnsafePointer(out)
    }

    func convert(_ src: UnsafeRawPointer, dtype: String, count: Int, into out: UnsafeMutablePointer<Float>) {
        switch dtype {
        case "F32":
            for i in 0..<count { out[i] = src.loadUnaligned(fromByteOffset: i * 4, as: Float.self) }
        case "BF16":
            for i in 0..<count {
                let bits = UInt32(src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16
                out[i] = Float(bitPattern: bits)
            }
        default:  // F16: validated at parse time
            for i in 0..<count { out[i] = halfToFloat(src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
        }
    }

    /// Rows of several [rows_i, cols] tensors stacked into one [sum rows_i, cols] matrix (the book's Q, K, V).
    func concatenated(_ parts: [(name: String, shape: [Int])]) throws -> UnsafePointer<Float> {
        let total = parts.reduce(0) { $0 + $1.shape.reduce(1, *) }
        let out = allocate(total)
        var offset = 0
        for part in parts {
            let p = try floats(part.name, shape: part.shape)
            let n = part.shape.reduce(1, *)
            (out + offset).update(from: p, count: n)
            file.release(try info(part.name))
            offset += n
        }
        return UnsafePointer(out)
    }
}

/// IEEE half to float, including subnormals, infinities and NaN.
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = Int(h >> 10) & 0x1f
    let mantissa = UInt32(h & 0x3ff)
    if exponent == 0 {
        let value = Float(mantissa) * Float(sign == 0 ? 1 : -1) / 16_777_216  // 2^-24
        return value
    }
    if exponent == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13)) }
    return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
}
