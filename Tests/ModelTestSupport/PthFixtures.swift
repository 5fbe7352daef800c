import Foundation

/// The committed `.pth` fixtures and their PyTorch references (made by training/fixtures/make_pth_fixtures.py).
public enum PthFixtures {
    public static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/pth")
    }

    public static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    public struct Reference: Decodable {
        public struct Tensor: Decodable {
            public let name: String
            public let shape: [Int]
            public let dtype: String
            public let strides: [Int]
            public let storage_offset: Int
            public let offset: Int
            public let count: Int
        }
        public let file: String
        public let values: String
        public let tensors: [Tensor]
    }

    /// The reference of `stem`, and every tensor's row-major contents as PyTorch converted them to fp32.
    public static func reference(_ stem: String) throws -> (Reference, [String: [Float]]) {
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url(stem + ".json")))
        let data = try Data(contentsOf: url(reference.values))
        let all = data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        var values: [String: [Float]] = [:]
        for tensor in reference.tensors {
            values[tensor.name] = Array(all[tensor.offset..<(tensor.offset + tensor.count)])
        }
        return (reference, values)
    }
}
