import Kernels

/// Where the forward pass reads token embedding rows ([V, C]): the fp32 table itself, the fp32 panels of a head
/// tied to it (the same values, so the model holds wte once; for GPT-2 that saves 155 MB), or the file's own rows
/// (bf16 or quantized blocks, mapped), converted one row per lookup: a 150k-token table then costs its file size in
/// the page cache, not V x C x 4 bytes of the process's memory (545 MB for Qwen2.5-0.5B, 1 GB for Llama-3.2-1B).
public enum TokenEmbedding {
    /// Row-major fp32 [V, C].
    case table(UnsafePointer<Float>, channels: Int)
    /// A tied head in fp32 panels.
    case tiedHead(LinearWeight)
    /// Rows read from the file, each converted to fp32 when looked up.
    case fileRows(TensorRows)

    /// Copies token `token`'s C values into `out`.
    public func copyRow(_ token: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .table(let rows, let c): out.update(from: rows + token * c, count: c)
        case .tiedHead(let head): head.copyRow(token, into: out)
        case .fileRows(let rows): rows.copy(token, out)
        }
    }
}
