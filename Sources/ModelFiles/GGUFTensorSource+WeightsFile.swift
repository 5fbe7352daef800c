import Foundation

extension GGUFTensorSource: WeightsFile {
    var path: String { file.url.path }
    var formatDescription: String { "GGUF v\(file.version) (\(config.architecture))" }
    var fileBytes: Int { file.fileBytes }
    var notes: [String] { [] }
    var storesQuantizedBlocks: Bool { file.tensors.contains { $0.type.blockSize > 1 } }

    /// Tensors per ggml type name ("F32", "Q8_0").
    var dtypeCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for info in file.tensors { counts[info.type.name, default: 0] += 1 }
        return counts
    }
}
