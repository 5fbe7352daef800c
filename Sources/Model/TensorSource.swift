/// Named tensors as the weight loader sees them, whatever file they are in: their logical shapes, and their contents
/// as row-major fp32.
///
/// ModelFiles makes one conformance per file format, so `WeightStorage` never asks which format it reads.
/// Conformers are immutable and keep their file mapped for as long as they live, so pointers they hand out stay
/// valid that long.
public protocol TensorSource {
    /// The file's last path component, for error messages.
    var fileName: String { get }

    /// The logical shape of `name`, or nil if there is no such tensor.
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
    public func releasePages(_ name: String) {}
}
