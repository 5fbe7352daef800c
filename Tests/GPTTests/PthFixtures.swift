import Foundation
import XCTest

/// The committed `.pth` fixtures and their PyTorch references (made by training/fixtures/make_pth_fixtures.py).
enum PthFixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/pth")
    }

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    struct Reference: Decodable {
        struct Tensor: Decodable {
            let name: String
            let shape: [Int]
            let dtype: String
            let strides: [Int]
            let storage_offset: Int
            let offset: Int
            let count: Int
        }
        let file: String
        let values: String
        let tensors: [Tensor]
    }

    /// The reference of `stem`, and every tensor's row-major contents as PyTorch converted them to fp32.
    static func reference(_ stem: String) throws -> (Reference, [String: [Float]]) {
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
