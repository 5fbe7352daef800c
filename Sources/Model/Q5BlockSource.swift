/// A `TensorSource` that hands out matrices stored as GGUF Q5_0 or Q4_0 blocks as the file holds them, so that they
/// are kept at their width (5.5 or 4.5 bits a weight) instead of widened to int8 panels.
public protocol Q5BlockSource: TensorSource {
    /// The blocks of each row of the 2-D tensor `name` in logical row order, and whether they are Q5_0 (22 bytes a
    /// block; else Q4_0, 18); nil where the tensor is stored otherwise.
    func q5Rows(_ name: String) -> (rows: BlockRows, fifthBits: Bool)?
}
