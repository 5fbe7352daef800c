import Kernels

extension ForwardPass {
    /// x += attention(input) for the N tokens of the batch ([N, C] each), writing their keys and values to `cache`
    /// (one layer's view) first.
    ///
    /// Each token attends causally to its own row's positions 0...its own, through the row's block table. A row's
    /// new K/V go to positions start..<start+tokens only, so blocks it shares with other sequences are only read.
    func attention(_ w: AttentionWeights, _ input: UnsafePointer<Float>, cache: PagedKV,
                   addingInto x: UnsafeMutablePointer<Float>) {
        let c = config.nEmbd
        Matmul.linear(input, rows: tokens, weight: w.qkv, bias: w.qkvBias, into: qkv, threads: threads)
        for row in rows {
            for i in 0..<row.tokens {
                let token = qkv + (row.firstToken + i) * 3 * c
                cache.store(position: row.start + i, table: row.blockTable, keys: token + c, values: token + 2 * c)
            }
        }
        switch config.architecture.attention {
        case .multiHead:
            PagedAttention.attend(queries: qkv, queryStride: 3 * c, rows: rows, heads: config.nHead,
                                  headSize: config.headSize, cache: cache, into: attended, outStride: c,
                                  threads: threads)
        }
        Matmul.linear(attended, rows: tokens, weight: w.output, bias: w.outputBias, into: x, accumulate: true,
                      threads: threads)
    }
}
