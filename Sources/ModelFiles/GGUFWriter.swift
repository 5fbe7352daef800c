import Foundation

/// Writes a GGUF file (version 3): metadata key/values, then fp32 tensors aligned to 32 bytes.
///
/// GGUF lists a tensor's dimensions fastest-varying first, so a row-major [rows, cols] matrix is written with dims
/// [cols, rows]; `add` takes the row-major shape and reverses it. Collects everything, then `write` streams the file.
public struct GGUFWriter {
    /// A metadata value, tagged with GGUF's type codes.
    public enum Value {
        case uint32(UInt32)
        case int32(Int32)
        case float32(Float)
        case bool(Bool)
        case string(String)
        case strings([String])
        case int32s([Int32])
    }

    static let alignment = 32
    private var metadata: [(String, Value)] = []
    private var tensors: [(name: String, shape: [Int], values: [Float])] = []

    public init() {}

    public mutating func set(_ key: String, _ value: Value) { metadata.append((key, value)) }

    /// Adds a tensor given in row-major `shape`.
    public mutating func add(_ name: String, shape: [Int], values: [Float]) {
        tensors.append((name, shape, values))
    }

    /// Writes the file. Complexity: O(bytes), one pass.
    public func write(to url: URL) throws {
        var header = Data()
        header.append(contentsOf: Array("GGUF".utf8))
        header.appendInteger(UInt32(3))
        header.appendInteger(UInt64(tensors.count))
        header.appendInteger(UInt64(metadata.count))
        for (key, value) in metadata {
            header.appendString(key)
            header.appendValue(value)
        }
        var offset = 0
        for tensor in tensors {
            header.appendString(tensor.name)
            header.appendInteger(UInt32(tensor.shape.count))
            for dimension in tensor.shape.reversed() { header.appendInteger(UInt64(dimension)) }
            header.appendInteger(UInt32(0))  // GGML_TYPE_F32
            header.appendInteger(UInt64(offset))
            offset += Self.padded(tensor.values.count * 4)
        }
        header.append(Data(count: Self.padded(header.count) - header.count))
        guard FileManager.default.createFile(atPath: url.path, contents: header) else {
            throw ModelFileError.unwritable(path: url.path, reason: "the file cannot be created")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        for tensor in tensors {
            var data = tensor.values.withUnsafeBytes { Data($0) }
            data.append(Data(count: Self.padded(data.count) - data.count))
            try handle.write(contentsOf: data)
        }
    }

    static func padded(_ count: Int) -> Int { (count + alignment - 1) / alignment * alignment }
}

private extension Data {
    mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func appendString(_ string: String) {
        appendInteger(UInt64(string.utf8.count))
        append(contentsOf: Array(string.utf8))
    }

    mutating func appendValue(_ value: GGUFWriter.Value) {
        switch value {
        case .uint32(let v): appendInteger(UInt32(4)); appendInteger(v)
        case .int32(let v): appendInteger(UInt32(5)); appendInteger(v)
        case .float32(let v): appendInteger(UInt32(6)); appendInteger(v.bitPattern)
        case .bool(let v): appendInteger(UInt32(7)); append(v ? 1 : 0)
        case .string(let v): appendInteger(UInt32(8)); appendString(v)
        case .strings(let values):
            appendInteger(UInt32(9)); appendInteger(UInt32(8)); appendInteger(UInt64(values.count))
            for v in values { appendString(v) }
        case .int32s(let values):
            appendInteger(UInt32(9)); appendInteger(UInt32(5)); appendInteger(UInt64(values.count))
            for v in values { appendInteger(v) }
        }
    }
}
