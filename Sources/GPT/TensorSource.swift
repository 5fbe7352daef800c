import Foundation

/// A weights file as the model loader sees it: tensor names, their logical shapes, and their contents as row-major
/// fp32.
///
/// One conformance per file format (`SafetensorsFile`, `PyTorchCheckpoint`), so naming schemes, configuration
/// inference and `WeightStorage` never ask which format they read. Conformers are immutable and keep their file
/// mapped for as long as they live, so pointers they hand out stay valid that long.
protocol TensorSource {
    /// The file's last path component, for error messages.
    var fileName: String { get }
    /// Full path, as `gptls inspect` shows it.
    var path: String { get }
    /// Every tensor name, in file order where the format has one.
    var tensorNames: [String] { get }
    /// What the file is, for `gptls inspect` ("safetensors", "PyTorch checkpoint (torch.save zip) ...").
    var formatDescription: String { get }
    /// Number of tensors per stored element type.
    var dtypeCounts: [String: Int] { get }
    var fileBytes: Int { get }
    /// Further lines about the file for `gptls inspect` (strided views, shared storages); empty for plain files.
    var notes: [String] { get }

    /// The logical shape of `name`, or nil if the file has no such tensor.
    func shape(of name: String) -> [Int]?

    /// The contents of `name` in place in the file when they already are fp32, row-major, dense and aligned;
    /// nil when they must be converted or gathered (then use `copyFloats`).
    func inPlaceFloats(_ name: String) -> UnsafePointer<Float>?

    /// Writes the logical row-major contents of `name` as fp32 into `buffer`, which holds the element count of
    /// `shape(of: name)`. Complexity: O(elements).
    func copyFloats(_ name: String, into buffer: UnsafeMutablePointer<Float>) throws

    /// Tells the kernel the file's pages of `name` are no longer needed, once a converted copy replaced them, so the
    /// model is not resident twice. A no-op where the format does not map its tensors one by one.
    func releasePages(_ name: String)
}

extension TensorSource {
    func releasePages(_ name: String) {}
}

/// Opens the weights file at `url` in its format: a PyTorch zip checkpoint (`.pth`, `.pt`, `.bin`, `.ckpt`, or any
/// file that starts with a zip signature) or safetensors (everything else).
///
/// The extension decides first so that a damaged `.pth` is reported as a damaged PyTorch checkpoint, not as a
/// malformed safetensors header.
func openTensorSource(at url: URL) throws -> TensorSource {
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
