import Kernels

/// Where the forward pass reads token embedding rows ([V, C]): the fp32 table itself, or the fp32 panels of a head
/// tied to it (the same values, so the model holds wte once; for GPT-2 that saves 155 MB).
public enum TokenEmbedding {
    /// Row-major fp32 [V, C].
    case table(UnsafePointer<Float>, channels: Int)
    /// A tied head in fp32 panels.
    case tiedHead(LinearWeight)

    /// Copies token `token`'s C values into `out`.
    public func copyRow(_ token: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .table(let rows, let c): out.update(from: rows + token * c, count: c)
        case .tiedHead(let head): head.copyRow(token, into: out)
        }
    }
}
