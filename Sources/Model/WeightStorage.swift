import Kernels

/// Owns the memory behind a model's weights: buffers made at load time from a `TensorSource` (the matrices of linear
/// layers packed in panels, fp32, bf16 or int8, and under int8 and bf16 a GGUF file's Q4_K, Q5_0 and Q4_0 matrices
/// (Q6_K too where `keptQ6KBlocks` says) kept at their width in block panels;
/// vectors and embeddings as fp32 rows). Immutable once loaded.
///
/// Every tensor is copied out of the mapped file, and the file's pages of it are released right after: no page of
/// the mapping stays in use, so the weights are resident once. Vectors are copied too: read in place, each bias
/// would keep megabytes of its neighbours resident, since the kernel maps file pages around a fault in large blocks.
public final class WeightStorage {
    let source: TensorSource
    /// How the matrices of linear layers are held (`matrix`); vectors and embeddings stay fp32.
    public let format: WeightFormat
    private(set) var owned: [UnsafeMutableRawPointer] = []
    private(set) var ownedBytes = 0

    public var fileName: String { source.fileName }

    public init(source: TensorSource, format: WeightFormat = .f32) { self.source = source; self.format = format }

    deinit { for p in owned { p.deallocate() } }

    /// Takes ownership of memory allocated for the weights (freed with this storage).
    func own(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        owned.append(pointer)
        ownedBytes += bytes
    }

    private func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        owned.append(UnsafeMutableRawPointer(p))
        ownedBytes += count * 4
        return p
    }

    /// The rows of the [rows, width] table `name` as the file stores them, when its format reads rows one at a
    /// time and the table is not fp32 already (fp32 is copied by `floats`, which reads it in place just as well).
    public func fileRows(_ name: String, shape expected: [Int]) throws -> TensorRows? {
        let shape = try shape(name)
        guard shape == expected else {
            throw GPTError.wrongShape(file: fileName, tensor: name, shape: shape, expected: expected)
        }
        guard source.inPlaceFloats(name) == nil, let rows = source.rows(name),
              rows.rows == expected[0], rows.width == expected[1] else { return nil }
        return rows
    }

    /// A linear layer's matrix [out, in] in `format`; `transposed` reads a stored [in, out] matrix (Conv1D);
    /// `isHead` for the output head (see `keptQ6KBlocks`). The panels are a copy, so the file's pages of the tensor
    /// are released afterwards.
    public func matrix(_ name: String, shape: [Int], transposed: Bool = false,
                       isHead: Bool = false) throws -> LinearWeight {
        defer { source.releasePages(name) }
        if !transposed, let weight = blockPanels([(name, shape)], isHead: isHead) { return weight }
        let stored = transposed ? [shape[1], shape[0]] : shape
        if try self.shape(name) == stored, let inPlace = source.inPlaceFloats(name) {
            // Packed straight from the mapped file (a Conv1D's [in, out] too): no fp32 copy in between.
            return pack(inPlace, shape: shape, transposed: transposed)
        }
        if !transposed, let rows = try fileRows(name, shape: shape) {
            return pack(rows, shape: shape)
        }
        return packed(freeing: try floats(name, shape: shape, transposed: transposed), shape: shape)
    }

    /// Rows of several [rows_i, cols] tensors stacked into one matrix (the book's Q, K, V), in `format`; where
    /// block panels are kept (int8, bf16), parts of different GGUF block types each keep their own (see `partByPart`).
    public func concatenatedMatrix(_ parts: [(name: String, shape: [Int])]) throws -> LinearWeight {
        if let weight = blockPanels(parts) {
            for part in parts { source.releasePages(part.name) }
            return weight
        }
        if let weight = try partByPart(parts) { return weight }
        let rows = parts.reduce(0) { $0 + $1.shape[0] }
        return packed(freeing: try concatenated(parts), shape: [rows, parts[0].shape[1]])
    }

    /// A LinearWeight in `format` from fp32 [out, in] values this storage made (`floats`, `concatenated`), which
    /// are freed once packed.
    private func packed(freeing values: UnsafePointer<Float>, shape: [Int]) -> LinearWeight {
        let weight = pack(values, shape: shape, transposed: false)
        let index = owned.firstIndex(of: UnsafeMutableRawPointer(mutating: values))!
        owned.remove(at: index).deallocate()
        ownedBytes -= shape[0] * shape[1] * 4
        return weight
    }

    /// Panels in `format` from fp32 values laid out [out, in], or [in, out] when `transposed`.
    private func pack(_ values: UnsafePointer<Float>, shape: [Int], transposed: Bool) -> LinearWeight {
        let (weight, fill) = panels(shape: shape)
        fill(values, 0, shape[0], transposed)
        return weight
    }

    /// Panels in `format` from rows read a chunk at a time: a large matrix stored quantized (a tied head of 150k
    /// rows) is never whole in fp32, only about 16 MB of it at once.
    private func pack(_ rows: TensorRows, shape: [Int]) -> LinearWeight {
        let m = shape[0], k = shape[1]
        let chunk = max(16, Self.chunkFloats / max(k, 1) / 16 * 16)  // whole panels of 16 rows
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: chunk * k)
        defer { buffer.deallocate() }
        let (weight, fill) = panels(shape: shape)
        for first in stride(from: 0, to: m, by: chunk) {
            let count = min(chunk, m - first)
            for row in 0..<count { rows.copy(first + row, buffer + row * k) }
            fill(buffer, first, count, false)
        }
        return weight
    }

    /// fp32 values of a matrix read at once when it is packed from rows (16 MB); tests make it small so that a
    /// tiny matrix is packed in several chunks.
    nonisolated(unsafe) static var chunkFloats = 1 << 22

    /// Allocates the panels of a [out, in] matrix in `format` (owned by this storage), and a function that packs
    /// fp32 rows `first..<first + count` (`first` a multiple of 16) into their place: panels hold 16 output rows
    /// each, one after the other, so a block of whole panels packs on its own into its slice.
    private func panels(shape: [Int]) -> (LinearWeight, PanelFill) {
        let m = shape[0], k = shape[1]
        switch format {
        case .bf16:
            let count = LinearWeight.panelCount(outFeatures: m, inFeatures: k)
            let panels = UnsafeMutablePointer<UInt16>.allocate(capacity: max(count, 1))
            owned.append(UnsafeMutableRawPointer(panels))
            ownedBytes += count * 2
            return (LinearWeight(.bf16Panels(panels), outFeatures: m, inFeatures: k), { values, first, rows, transposed in
                LinearWeight.packPanels(values, outFeatures: rows, inFeatures: k, transposed: transposed,
                                        into: panels + LinearWeight.panelCount(outFeatures: first, inFeatures: k))
            })
        case .int8:
            let count = LinearWeight.int8PanelCount(outFeatures: m, inFeatures: k)
            let columns = LinearWeight.int8ColumnCount(outFeatures: m)
            let panels = UnsafeMutablePointer<Int8>.allocate(capacity: max(count, 1))
            let scales = UnsafeMutablePointer<Float>.allocate(capacity: columns)
            let sums = UnsafeMutablePointer<Int32>.allocate(capacity: columns)
            owned += [UnsafeMutableRawPointer(panels), UnsafeMutableRawPointer(scales), UnsafeMutableRawPointer(sums)]
            ownedBytes += count + 8 * columns
            let weight = LinearWeight(.int8Panels(.init(weights: panels, scales: scales, sums: sums)),
                                      outFeatures: m, inFeatures: k)
            return (weight, { values, first, rows, transposed in
                LinearWeight.packInt8Panels(values, outFeatures: rows, inFeatures: k, transposed: transposed,
                                            into: panels + LinearWeight.int8PanelCount(outFeatures: first, inFeatures: k),
                                            scales: scales + first, sums: sums + first)
            })
        case .f32:
            let count = LinearWeight.f32PanelCount(outFeatures: m, inFeatures: k)
            let panels = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            owned.append(UnsafeMutableRawPointer(panels))
            ownedBytes += count * 4
            return (LinearWeight(.f32Panels(panels), outFeatures: m, inFeatures: k), { values, first, rows, transposed in
                LinearWeight.packF32Panels(values, outFeatures: rows, inFeatures: k, transposed: transposed,
                                           into: panels + LinearWeight.f32PanelCount(outFeatures: first, inFeatures: k))
            })
        }
    }

    /// Packs fp32 rows (values, first row, row count, transposed) into panels allocated by `panels(shape:)`.
    private typealias PanelFill = (UnsafePointer<Float>, Int, Int, Bool) -> Void

    public func contains(_ name: String) -> Bool { source.shape(of: name) != nil }

    /// The logical shape of `name`, or an error naming the file and the tensor.
    func shape(_ name: String) throws -> [Int] {
        guard let shape = source.shape(of: name) else { throw GPTError.missingTensor(file: fileName, tensor: name) }
        return shape
    }

    /// A copy of the tensor as fp32 with the given shape; `transposed` reads a stored [in, out] matrix (Conv1D) into
    /// [out, in].
    public func floats(_ name: String, shape expected: [Int], transposed: Bool = false) throws -> UnsafePointer<Float> {
        let stored = transposed ? [expected[1], expected[0]] : expected
        let shape = try shape(name)
        guard shape == stored else {
            throw GPTError.wrongShape(file: fileName, tensor: name, shape: shape, expected: stored)
        }
        let count = shape.reduce(1, *)
        let out = allocate(count)
        // The file's pages of a tensor copied here are no longer needed (see `TensorSource.releasePages`).
        defer { source.releasePages(name) }
        guard transposed else {
            try source.copyFloats(name, into: out)
            return UnsafePointer(out)
        }
        // Source [rows, cols] -> destination [cols, rows]: fp32 in place when possible, else converted first.
        let rows = stored[0], cols = stored[1]
        var widened: UnsafeMutablePointer<Float>?
        defer { widened?.deallocate() }
        let input: UnsafePointer<Float>
        if let inPlace = source.inPlaceFloats(name) {
            input = inPlace
        } else {
            widened = .allocate(capacity: max(count, 1))
            try source.copyFloats(name, into: widened!)
            input = UnsafePointer(widened!)
        }
        let tile = 64
        for r0 in stride(from: 0, to: rows, by: tile) {
            for c0 in stride(from: 0, to: cols, by: tile) {
                for c in c0..<min(cols, c0 + tile) {
                    let dst = out + c * rows
                    for r in r0..<min(rows, r0 + tile) { dst[r] = input[r * cols + c] }
                }
            }
        }
        return UnsafePointer(out)
    }

    /// Rows of several [rows_i, cols] tensors stacked into one [sum rows_i, cols] matrix (the book's Q, K, V).
    ///
    /// Each part is written straight into the stacked matrix, so a part that needs converting costs no extra copy.
    public func concatenated(_ parts: [(name: String, shape: [Int])]) throws -> UnsafePointer<Float> {
        let total = parts.reduce(0) { $0 + $1.shape.reduce(1, *) }
        let out = allocate(total)
        var offset = 0
        for part in parts {
            let shape = try shape(part.name)
            guard shape == part.shape else {
                throw GPTError.wrongShape(file: fileName, tensor: part.name, shape: shape, expected: part.shape)
            }
            let n = part.shape.reduce(1, *)
            if let inPlace = source.inPlaceFloats(part.name) {
                (out + offset).update(from: inPlace, count: n)
            } else {
                try source.copyFloats(part.name, into: out + offset)
            }
            source.releasePages(part.name)
            offset += n
        }
        return UnsafePointer(out)
    }
}
