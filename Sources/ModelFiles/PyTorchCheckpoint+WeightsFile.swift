import Foundation
import Model

extension PyTorchCheckpoint: WeightsFile {
    var fileName: String { url.lastPathComponent }
    var path: String { url.path }
    var tensorNames: [String] { names }

    var formatDescription: String {
        let location = stateDictKey.map { "state dict under \"\($0)\", other entries ignored" } ?? "state dict"
        return "PyTorch checkpoint (torch.save zip, \(location))"
    }

    var dtypeCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for tensor in tensors.values { counts[tensor.dtype.rawValue, default: 0] += 1 }
        return counts
    }

    /// Strided views and shared storages: what makes a `.pth` differ from a flat file, and what the loader
    /// materialises as contiguous fp32.
    var notes: [String] {
        let strided = names.filter { !tensors[$0]!.isContiguous }
        var users: [String: Int] = [:]
        for tensor in tensors.values { users[tensor.storageKey, default: 0] += 1 }
        let sharing = tensors.values.filter { users[$0.storageKey]! > 1 }.count
        var notes: [String] = []
        if !strided.isEmpty {
            notes.append("\(strided.count) tensors are strided views (e.g. \(strided[0]), strides "
                + "\(tensors[strided[0]]!.strides)), copied to contiguous fp32 at load")
        }
        if sharing > 0 {
            notes.append("\(sharing) tensors share a storage with another tensor (views at storage offsets)")
        }
        return notes
    }

    func shape(of name: String) -> [Int]? { tensors[name]?.shape }

    func inPlaceFloats(_ name: String) -> UnsafePointer<Float>? { tensors[name]?.inPlaceFloats }

    func copyFloats(_ name: String, into buffer: UnsafeMutablePointer<Float>) throws {
        try tensor(name).copyFloats(into: buffer)
    }
}
