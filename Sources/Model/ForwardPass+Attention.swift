import Kernels

extension ForwardPass {
    /// x += attention(input) for the N tokens of the batch ([N, C] each), writing their keys and values to `cache`
    /// (one layer's view) first.
    ///
    /// Each token attends causally to its own row's positions 0...its own, through the row's block table. A row's
    /// new K/V go to positions start..<start+tokens only, so blocks it shares with other sequences are only read.
    /// With rotary positions, queries and keys are rotated (after Qwen3's per-head norm) before the keys are stored.
    func attention(_ w: AttentionWeights, _ input: UnsafePointer<Float>, cache: PagedKV,
                   addingInto x: UnsafeMutablePointer<Float>) {
        let q = config.queryChannels, k = config.kvChannels, stride = q + 2 * k
        Matmul.linear(input, rows: tokens, weight: w.qkv, bias: w.qkvBias, into: qkv, threads: threads)
        if case .rotary = config.architecture.positions { rotateQueriesAndKeys(w) }
        for row in rows {
            for i in 0..<row.tokens {
                let token = qkv + (row.firstToken + i) * stride
                cache.store(position: row.start + i, table: row.blockTable, keys: token + q, values: token + q + k)
            }
        }
        PagedAttention.attend(queries: qkv, queryStride: stride, rows: rows, heads: config.nHead,
                              headSize: config.headSize, cache: cache, into: attended, outStride: q,
                              threads: threads)
        Matmul.linear(attended, rows: tokens, weight: w.output, bias: w.outputBias, into: x, accumulate: true,
                      threads: threads)
    }

    /// Each token's query and key heads: RMS-normalised per head where the model has QK norms, then rotated by its
    /// position.
    private func rotateQueriesAndKeys(_ w: AttentionWeights) {
        let d = config.headSize, h = config.nHead, kv = config.kvHeads
        let stride = config.queryChannels + 2 * config.kvChannels
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: d)
        defer { scratch.deallocate() }
        inverseFrequencies.withUnsafeBufferPointer { inv in
            for row in rows {
                for i in 0..<row.tokens {
                    let queries = qkv + (row.firstToken + i) * stride, keys = queries + h * d
                    if let queryNorm = w.queryNorm, let keyNorm = w.keyNorm, case .rmsNorm(let eps) =
                        config.architecture.norm {
                        RMSNorm.apply(queries, rows: h, channels: d, gain: queryNorm, epsilon: eps, into: queries)
                        RMSNorm.apply(keys, rows: kv, channels: d, gain: keyNorm, epsilon: eps, into: keys)
                    }
                    Rotary.apply(queries, heads: h, headSize: d, position: row.start + i,
                                 inverseFrequencies: inv.baseAddress!, scratch: scratch)
                    Rotary.apply(keys, heads: kv, headSize: d, position: row.start + i,
                                 inverseFrequencies: inv.baseAddress!, scratch: scratch)
                }
            }
        }
    }
}
