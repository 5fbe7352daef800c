@testable import Kernels

/// The outputs of a linear layer for the n rows of x computed in one batch, and the same rows one at a time: the
/// kernels must give a row the same outputs bit for bit in any batch (drafted tokens are verified in a batch and must
/// decode as they would alone).
func batchedAndAlone(_ x: [Float], rows n: Int, weight: LinearWeight,
                     bias: [Float]) -> (batched: [Float], alone: [Float]) {
    let k = weight.inFeatures, m = weight.outFeatures
    var batched = [Float](repeating: 0, count: n * m), alone = batched
    Matmul.linear(x, rows: n, weight: weight, bias: bias, into: &batched)
    x.withUnsafeBufferPointer { xs in
        alone.withUnsafeMutableBufferPointer { ys in
            for r in 0..<n {
                Matmul.linear(xs.baseAddress! + r * k, rows: 1, weight: weight, bias: bias,
                              into: ys.baseAddress! + r * m)
            }
        }
    }
    return (batched, alone)
}
