/// A cursor over a GGUF header in memory: little-endian integers, strings and values, every read checked against
/// the bytes left, so a lying length throws `GGUFError.truncated` instead of reading past the map.
struct GGUFReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var position = 0

    init(bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    var remaining: Int { bytes.count - position }

    /// Moves past `length` bytes and returns where they start, or throws when fewer are left.
    mutating func advance(_ length: Int, _ what: @autoclosure () -> String) throws -> Int {
        guard length >= 0, length <= remaining else {
            throw GGUFError.truncated(file: file, what: what(), offset: position, length: length, fileSize: bytes.count)
        }
        defer { position += length }
        return position
    }

    mutating func uint8(_ what: @autoclosure () -> String) throws -> UInt8 { bytes[try advance(1, what())] }
    mutating func uint16(_ what: @autoclosure () -> String) throws -> UInt16 {
        bytes.uint16(at: try advance(2, what()))
    }

    mutating func uint32(_ what: @autoclosure () -> String) throws -> UInt32 {
        bytes.uint32(at: try advance(4, what()))
    }

    mutating func uint64(_ what: @autoclosure () -> String) throws -> UInt64 {
        bytes.uint64(at: try advance(8, what()))
    }

    /// A u64 count of items that each take at least `minimumBytes`, refused when the rest of the file cannot hold
    /// that many (so no loop or reservation trusts it).
    mutating func count(_ what: String, minimumBytes: Int) throws -> Int {
        let raw = try uint64("the number of \(what)")
        guard raw <= UInt64(remaining / max(1, minimumBytes)) else {
            throw GGUFError.countTooLarge(file: file, what: what, count: raw)
        }
        return Int(raw)
    }

    /// A u64 length, then that many bytes of UTF-8 (invalid sequences become U+FFFD).
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try uint64("the length of " + what())
        guard length <= UInt64(remaining) else {
            throw GGUFError.truncated(file: file, what: what(), offset: position,
                                      length: length > UInt64(Int.max) ? Int.max : Int(length), fileSize: bytes.count)
        }
        let start = try advance(Int(length), what())
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<start + Int(length)]), as: UTF8.self)
    }

    /// A value of GGUF type `type`: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool, 8 string, 9 array,
    /// 10 u64, 11 i64, 12 f64. Arrays of arrays are refused, as llama.cpp refuses them.
    mutating func value(type: UInt32, key: String, inArray: Bool = false) throws -> GGUFValue {
        let what = "the value of \(key)"
        switch type {
        case 0: return .uint8(try uint8(what))
        case 1: return .int8(Int8(bitPattern: try uint8(what)))
        case 2: return .uint16(try uint16(what))
        case 3: return .int16(Int16(bitPattern: try uint16(what)))
        case 4: return .uint32(try uint32(what))
        case 5: return .int32(Int32(bitPattern: try uint32(what)))
        case 6: return .float32(Float(bitPattern: try uint32(what)))
        case 7: return .bool(try uint8(what) != 0)
        case 8: return .string(try string(what))
        case 10: return .uint64(try uint64(what))
        case 11: return .int64(Int64(bitPattern: try uint64(what)))
        case 12: return .float64(Double(bitPattern: try uint64(what)))
        case 9 where !inArray:
            let elementType = try uint32("the element type of \(key)")
            guard let size = Self.minimumSize(elementType) else {
                throw GGUFError.unknownValueType(file: file, key: key, type: elementType)
            }
            let count = try self.count("elements in \(key)", minimumBytes: size)
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try value(type: elementType, key: key, inArray: true)) }
            return .array(elements)
        default:
            throw GGUFError.unknownValueType(file: file, key: key, type: type)
        }
    }

    /// The fewest bytes one element of an array of `type` takes; nil for types an array cannot hold.
    static func minimumSize(_ type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8, 10, 11, 12: return 8
        default: return nil
        }
    }
}
