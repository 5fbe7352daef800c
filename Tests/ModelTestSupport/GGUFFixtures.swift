import Foundation
import ModelFiles

/// The committed GGUF fixtures and their expected contents (made by training/fixtures/make_gguf_fixtures.py).
public enum GGUFFixtures {
    public static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/gguf")
    }

    public static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// A writer holding the smallest qwen2 configuration a GGUF model file can state (width 8, 2 heads, 1 layer) and
    /// its 4-token embedding, for tests to add the metadata they are about.
    public static func minimalQwen2() -> GGUFWriter {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("qwen2"))
        for (key, value) in [("embedding_length", 8), ("attention.head_count", 2), ("feed_forward_length", 16),
                             ("block_count", 1), ("context_length", 16)] {
            writer.set("qwen2." + key, .uint32(UInt32(value)))
        }
        writer.set("qwen2.attention.layer_norm_rms_epsilon", .float32(1e-6))
        writer.add("token_embd.weight", shape: [4, 8], values: Array(repeating: 0.5, count: 32))
        return writer
    }

    public struct Reference: Decodable {
        public struct Tensor: Decodable {
            public let name: String
            public let shape: [Int]
            public let offset: Int
            public let count: Int
        }
        public let file: String
        public let values: String
        public let tensors: [Tensor]
    }

    /// The reference of `stem`: each tensor's shape and expected row-major contents as float32.
    public static func reference(_ stem: String) throws -> [(name: String, shape: [Int], values: [Float])] {
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url(stem + ".json")))
        let data = try Data(contentsOf: url(reference.values))
        let all = data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
        return reference.tensors.map { ($0.name, $0.shape, Array(all[$0.offset..<($0.offset + $0.count)])) }
    }
}
