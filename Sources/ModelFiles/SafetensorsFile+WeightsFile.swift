import Foundation
import Model

extension SafetensorsFile: WeightsFile {
    var path: String { url.path }
    var tensorNames: [String] { tensors.values.sorted { $0.begin < $1.begin }.map(\.name) }
    var formatDescription: String { "safetensors" }
    var fileBytes: Int { fileSize }
    var notes: [String] { [] }

    var dtypeCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for info in tensors.values { counts[info.dtype, default: 0] += 1 }
        return counts
    }

    func shape(of name: String) -> [Int]? { tensors[name]?.shape }

    func inPlaceFloats(_ name: String) -> UnsafePointer<Float>? {
        guard let info = tensors[name], info.dtype == "F32" else { return nil }
        let bytes = self.bytes(info)
        guard Int(bitPattern: bytes) % 4 == 0 else { return nil }
        return bytes.assumingMemoryBound(to: Float.self)
    }

    func copyFloats(_ name: String, into buffer: UnsafeMutablePointer<Float>) throws {
        guard let info = tensors[name] else { throw GPTError.missingTensor(file: fileName, tensor: name) }
        let src = bytes(info)
        let count = info.elementCount
        switch info.dtype {
        case "F32":
            for i in 0..<count { buffer[i] = src.loadUnaligned(fromByteOffset: i * 4, as: Float.self) }
        case "BF16":
            for i in 0..<count {
                buffer[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16)
            }
        default:  // F16: the only other dtype the header parser accepts.
            for i in 0..<count { buffer[i] = floatFromHalf(src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
        }
    }
}
