import Foundation
import Tokenizer
import XCTest

/// The key/value metadata of a GGUF file, read the plain way, so the tests can hand llama.cpp's vocabulary files to
/// `BPETokenizer(gguf:)` the way the model loader's GGUF reader does. Test support: no bounds are defended beyond
/// failing the test.
enum GGUFMetadata {
    enum Value {
        case int(Int64)
        case bool(Bool)
        case string(String)
        case strings([String])
        case ints([Int64])
        case other
    }

    static func read(_ url: URL) throws -> [String: Value] {
        let data = try Data(contentsOf: url)
        var reader = Reader(bytes: [UInt8](data))
        let magic = Array(try reader.bytes(4))
        XCTAssertEqual(magic, Array("GGUF".utf8), "\(url.path) is not a GGUF file")
        _ = try reader.integer(4)  // version
        _ = try reader.integer(8)  // tensor count
        let count = try reader.integer(8)
        var values: [String: Value] = [:]
        for _ in 0..<count {
            let key = try reader.string()
            values[key] = try reader.value(type: Int(reader.integer(4)))
        }
        return values
    }

    /// The `tokenizer.ggml.*` keys as `BPETokenizer(gguf:)` takes them.
    static func vocabulary(_ url: URL) throws -> GGUFVocabulary {
        let values = try read(url)
        func string(_ key: String) -> String? { if case .string(let s) = values[key] { return s }; return nil }
        func int(_ key: String) -> Int? { if case .int(let i) = values[key] { return Int(i) }; return nil }
        func bool(_ key: String) -> Bool? { if case .bool(let b) = values[key] { return b }; return nil }
        func strings(_ key: String) -> [String] { if case .strings(let s) = values[key] { return s }; return [] }
        var types: [Int32]?
        if case .ints(let list) = values["tokenizer.ggml.token_type"] { types = list.map { Int32($0) } }
        return GGUFVocabulary(
            model: string("tokenizer.ggml.model") ?? "", pre: string("tokenizer.ggml.pre"),
            tokens: strings("tokenizer.ggml.tokens"), tokenTypes: types, merges: strings("tokenizer.ggml.merges"),
            bosTokenID: int("tokenizer.ggml.bos_token_id"), eosTokenID: int("tokenizer.ggml.eos_token_id"),
            eotTokenID: int("tokenizer.ggml.eot_token_id"), eomTokenID: int("tokenizer.ggml.eom_token_id"),
            paddingTokenID: int("tokenizer.ggml.padding_token_id"), addBOSToken: bool("tokenizer.ggml.add_bos_token"),
            addEOSToken: bool("tokenizer.ggml.add_eos_token"), source: url.path)
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        struct Truncated: Error {}

        mutating func bytes(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, position + count <= bytes.count else { throw Truncated() }
            defer { position += count }
            return bytes[position..<position + count]
        }

        mutating func integer(_ size: Int) throws -> Int64 {
            var value: UInt64 = 0
            for (shift, byte) in try bytes(size).enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
            if size < 8, value >> (8 * UInt64(size) - 1) & 1 == 1 { return Int64(value) - (1 << (8 * Int64(size))) }
            return Int64(bitPattern: value)
        }

        mutating func string() throws -> String {
            String(decoding: try bytes(Int(integer(8))), as: UTF8.self)
        }

        /// GGUF value types: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool, 8 string, 9 array, 10 u64,
        /// 11 i64, 12 f64 (unsigned values here fit in Int64).
        mutating func value(type: Int) throws -> Value {
            switch type {
            case 0, 1, 7: let v = try integer(1); return type == 7 ? .bool(v != 0) : .int(type == 0 ? v & 0xFF : v)
            case 2, 3: let v = try integer(2); return .int(type == 2 ? v & 0xFFFF : v)
            case 4, 5: let v = try integer(4); return .int(type == 4 ? v & 0xFFFF_FFFF : v)
            case 10, 11: return .int(try integer(8))
            case 6: _ = try bytes(4); return .other
            case 12: _ = try bytes(8); return .other
            case 8: return .string(try string())
            case 9:
                let elementType = Int(try integer(4))
                let count = Int(try integer(8))
                var strings: [String] = [], ints: [Int64] = []
                for _ in 0..<count {
                    switch try value(type: elementType) {
                    case .string(let s): strings.append(s)
                    case .int(let i): ints.append(i)
                    default: break
                    }
                }
                return elementType == 8 ? .strings(strings) : .ints(ints)
            default:
                throw Truncated()
            }
        }
    }
}
