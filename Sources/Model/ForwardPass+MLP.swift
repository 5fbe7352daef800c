import Kernels

extension ForwardPass {
    /// x += mlp(input) for the N tokens of the batch ([N, C] each; the hidden activations are [N, F]).
    func mlp(_ w: MLPWeights, _ input: UnsafePointer<Float>, addingInto x: UnsafeMutablePointer<Float>) {
        switch config.architecture.mlp {
        case .gelu:
            // GELU is applied by the kernel to the columns it just computed, while they are in cache.
            Matmul.linear(input, rows: tokens, weight: w.up, bias: w.upBias, into: hidden, gelu: true,
                          threads: threads)
        case .swiGLU:
            Matmul.linear(input, rows: tokens, weight: w.up, bias: w.upBias, into: gateUp!, threads: threads)
            SwiGLU.apply(gateUp!, rows: tokens, width: config.nInner, into: hidden, threads: threads)
        }
        Matmul.linear(hidden, rows: tokens, weight: w.down, bias: w.downBias, into: x, accumulate: true,
                      threads: threads)
    }
}
