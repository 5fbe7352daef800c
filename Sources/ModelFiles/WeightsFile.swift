import Foundation
import Model

/// A weights file in one of the formats gptls reads: the model's `TensorSource`, plus what `gptls inspect` says about
/// the file.
protocol WeightsFile: TensorSource {
    /// Full path.
    var path: String { get }
    /// Every tensor name, in file order where the format has one.
    var tensorNames: [String] { get }
    /// What the file is ("safetensors", "PyTorch checkpoint (torch.save zip) ...").
    var formatDescription: String { get }
    /// Number of tensors per stored element type.
    var dtypeCounts: [String: Int] { get }
    var fileBytes: Int { get }
    /// Further lines about the file (strided views, shared storages); empty for plain files.
    var notes: [String] { get }
    /// Whether some tensors are stored in quantized blocks (a GGUF Q8_0 or Q4_K_M file), not as floats.
    var storesQuantizedBlocks: Bool { get }
}

extension WeightsFile {
    var storesQuantizedBlocks: Bool { false }
}

/// Opens the weights file at `url` in its format: a PyTorch zip checkpoint (`.pth`, `.pt`, `.bin`, `.ckpt`, or any
/// file that starts with a zip signature) or safetensors (everything else).
///
/// The extension decides first so that a damaged `.pth` is reported as a damaged PyTorch checkpoint, not as a
/// malformed safetensors header.
func openWeightsFile(at url: URL) throws -> WeightsFile {
    if PyTorchCheckpoint.extensions.contains(url.pathExtension.lowercased()) || startsWithZipSignature(url) {
        return try PyTorchCheckpoint.load(contentsOf: url)
    }
    return try SafetensorsFile(url: url)
}

/// True when the file's first four bytes are a zip local-header signature ("PK\u{3}\u{4}").
private func startsWithZipSignature(_ url: URL) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: url.path) else { return false }
    defer { try? handle.close() }
    let head = (try? handle.read(upToCount: 4)) ?? Data()
    return head == Data([0x50, 0x4B, 0x03, 0x04])
}
