/// One tensor of a PyTorch checkpoint: its shape and a view (offset, strides) into a storage that stays in the
/// memory-mapped file.
///
/// The view is validated at load time: every element it reaches lies inside its storage. `floats()` copies the
/// logical row-major contents out as fp32, which is how transposed (column-major) weights and q/k/v views into one
/// shared storage come out right. Immutable; safe to share between threads (the map is read-only).
struct CheckpointTensor: @unchecked Sendable {
    let name: String
    /// Logical shape, outermost first.
    let shape: [Int]
    /// Elements to step in the storage per step along each dimension.
    let strides: [Int]
    /// Element index in the storage of the first element.
    let storageOffset: Int
    let dtype: StorageType
    /// The storage's key: the zip entry `<prefix>/data/<key>`. Tensors that share a storage share a key.
    let storageKey: String
    /// The storage's bytes, in place in the map; `file` keeps the map alive.
    let storage: UnsafeRawBufferPointer
    let file: MappedFile

    /// Number of logical elements (1 for a scalar).
    var elementCount: Int { shape.reduce(1, *) }

    /// True when the elements are stored row-major and densely, so the storage bytes can be used as they are.
    var isContiguous: Bool {
        var expected = 1
        for dimension in shape.indices.reversed() where shape[dimension] != 1 {
            guard strides[dimension] == expected else { return false }
            expected *= shape[dimension]
        }
        return true
    }

    /// The logical contents in row-major order, converted to fp32 (integers and bools as their values).
    ///
    /// Complexity: O(elementCount); contiguous fp32 is one copy.
    func floats() throws -> [Float] {
        try [Float](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
            if let base = buffer.baseAddress { try copyFloats(into: base) }
            initialized = elementCount
        }
    }

    /// The contents in place in the map when they are fp32, dense, row-major and aligned (nil otherwise).
    var inPlaceFloats: UnsafePointer<Float>? {
        guard dtype == .float32, isContiguous, elementCount > 0, let base = storage.baseAddress,
              storageOffset + elementCount <= storage.count / 4 else { return nil }
        let start = base + storageOffset * 4
        guard Int(bitPattern: start) % 4 == 0 else { return nil }
        return start.assumingMemoryBound(to: Float.self)
    }

    /// Writes the logical contents in row-major order as fp32 into `buffer` (`elementCount` floats).
    ///
    /// Complexity: O(elementCount); contiguous fp32 is one copy.
    func copyFloats(into buffer: UnsafeMutablePointer<Float>) throws {
        let count = elementCount
        // Checked at load; checked again because this reads raw memory.
        let reach = count == 0 ? 0 : storageOffset + zip(shape, strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 } + 1
        guard reach * dtype.byteSize <= storage.count else {
            throw CheckpointError.storageTooSmall(file: file.fileName, tensor: name, storage: storageKey,
                                                  needed: reach, available: storage.count / dtype.byteSize)
        }
        guard count > 0 else { return }
        if dtype == .float32, isContiguous {
            UnsafeMutableRawPointer(buffer).copyMemory(from: storage.baseAddress! + storageOffset * 4,
                                                       byteCount: count * 4)
            return
        }
        if dtype == .float32, shape.count == 2, strides[0] < strides[1] {
            transposeTiles(into: buffer)
            return
        }
        switch dtype {
        case .float32: gather(Float32Element.self, into: buffer)
        case .float16: gather(Float16Element.self, into: buffer)
        case .bfloat16: gather(BFloat16Element.self, into: buffer)
        case .float64: gather(Float64Element.self, into: buffer)
        case .int64: gather(Int64Element.self, into: buffer)
        case .int32: gather(Int32Element.self, into: buffer)
        case .int16: gather(Int16Element.self, into: buffer)
        case .int8: gather(Int8Element.self, into: buffer)
        case .uint8: gather(UInt8Element.self, into: buffer)
        case .bool: gather(BoolElement.self, into: buffer)
        }
    }

    /// A column-major fp32 matrix view (the book's `w.T` weights, q/k/v slices of a [C, 3C] storage) copied out
    /// row-major in 64 x 64 tiles, so both the strided reads and the writes stay within a few cache lines;
    /// the element-by-element walk of `gather` is several times slower on a 768 x 768 matrix.
    private func transposeTiles(into buffer: UnsafeMutablePointer<Float>) {
        let rows = shape[0], cols = shape[1], rowStride = strides[0], colStride = strides[1]
        let base = storage.baseAddress! + storageOffset * 4
        let tile = 64
        for r0 in stride(from: 0, to: rows, by: tile) {
            for c0 in stride(from: 0, to: cols, by: tile) {
                for c in c0..<min(cols, c0 + tile) {
                    let column = base + c * colStride * 4
                    for r in r0..<min(rows, r0 + tile) {
                        buffer[r * cols + c] = Float32Element.float(at: column + r * rowStride * 4)
                    }
                }
            }
        }
    }

    /// Walks the view in row-major order: an odometer over the outer dimensions, a strided run over the last.
    private func gather<E: StorageElement>(_: E.Type, into buffer: UnsafeMutablePointer<Float>) {
        let count = elementCount
        let base = storage.baseAddress!
        let size = E.byteSize
        guard let last = shape.indices.last else {
            buffer[0] = E.float(at: base + storageOffset * size)
            return
        }
        let runLength = shape[last]
        let runStride = strides[last]
        var index = [Int](repeating: 0, count: shape.count)
        var start = storageOffset
        var written = 0
        while written < count {
            var element = start
            for i in 0..<runLength {
                buffer[written + i] = E.float(at: base + element * size)
                element += runStride
            }
            written += runLength
            // Advance the odometer over the outer dimensions.
            var dimension = last - 1
            while dimension >= 0 {
                index[dimension] += 1
                start += strides[dimension]
                if index[dimension] < shape[dimension] { break }
                start -= strides[dimension] * shape[dimension]
                index[dimension] = 0
                dimension -= 1
            }
        }
    }
}

/// How one storage element becomes a Float; generic so each dtype gets its own specialised loop.
private protocol StorageElement {
    static var byteSize: Int { get }
    static func float(at pointer: UnsafeRawPointer) -> Float
}

private enum Float32Element: StorageElement {
    static var byteSize: Int { 4 }
    static func float(at p: UnsafeRawPointer) -> Float {
        Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
    }
}

private enum Float16Element: StorageElement {
    static var byteSize: Int { 2 }
    static func float(at p: UnsafeRawPointer) -> Float {
        floatFromHalf(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
    }
}

private enum BFloat16Element: StorageElement {
    static var byteSize: Int { 2 }
    static func float(at p: UnsafeRawPointer) -> Float {
        Float(bitPattern: UInt32(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self))) << 16)
    }
}

private enum Float64Element: StorageElement {
    static var byteSize: Int { 8 }
    static func float(at p: UnsafeRawPointer) -> Float {
        Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))))
    }
}

private enum Int64Element: StorageElement {
    static var byteSize: Int { 8 }
    static func float(at p: UnsafeRawPointer) -> Float { Float(Int64(littleEndian: p.loadUnaligned(as: Int64.self))) }
}

private enum Int32Element: StorageElement {
    static var byteSize: Int { 4 }
    static func float(at p: UnsafeRawPointer) -> Float { Float(Int32(littleEndian: p.loadUnaligned(as: Int32.self))) }
}

private enum Int16Element: StorageElement {
    static var byteSize: Int { 2 }
    static func float(at p: UnsafeRawPointer) -> Float { Float(Int16(littleEndian: p.loadUnaligned(as: Int16.self))) }
}

private enum Int8Element: StorageElement {
    static var byteSize: Int { 1 }
    static func float(at p: UnsafeRawPointer) -> Float { Float(p.load(as: Int8.self)) }
}

private enum UInt8Element: StorageElement {
    static var byteSize: Int { 1 }
    static func float(at p: UnsafeRawPointer) -> Float { Float(p.load(as: UInt8.self)) }
}

private enum BoolElement: StorageElement {
    static var byteSize: Int { 1 }
    static func float(at p: UnsafeRawPointer) -> Float { p.load(as: UInt8.self) != 0 ? 1 : 0 }
}

/// IEEE half to single, exactly (portable: `Float16` is unavailable on some platforms).
func floatFromHalf(_ bits: UInt16) -> Float {
    let sign: Float = bits & 0x8000 != 0 ? -1 : 1
    let exponent = Int(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0: return sign * Float(mantissa) * 0x1p-24
    case 31:
        return Float(bitPattern: UInt32(bits & 0x8000) << 16 | 0x7F80_0000 | mantissa << 13)
    default:
        return Float(bitPattern: UInt32(bits & 0x8000) << 16 | UInt32(exponent + 112) << 23 | mantissa << 13)
    }
}
