import Kernels

extension GPTModel {
    /// Runs new tokens of several sequences in one pass; every weight is used in one matrix product per call.
    ///
    /// All rows' tokens are packed into one [N, C] residual stream, and every layer does
    /// `x = x + attention(norm(x)); x = x + mlp(norm(x))` on it (see `ForwardPass` for the blocks). Each row's new K/V
    /// are written into its blocks at positions startPosition..<startPosition+tokens.count (never below), so blocks
    /// shared with other sequences are only read. Returns each row's last `outputCount` positions in row order
    /// ([sum of outputCount, width]) or, with `allPositions`, every new position in row order ([N, width]).
    /// A classifier pools at the row's last token (or its rightmost non-pad token when the config has a pad token).
    /// Each kernel splits its work over `KernelThreads.count` threads, read once per call.
    public func forward(_ rows: [GPTBatchRow], cache: KVBlockPool, allPositions: Bool = false) throws -> GPTLogits {
        try validate(rows, cache: cache)
        let pass = ForwardPass(config: config, rows: rows)
        defer { pass.deallocate() }
        let x = pass.residual, h = pass.normed, n = pass.tokens
        embed(rows, into: x)
        for (l, layer) in layers.enumerated() {
            pass.norm(layer.attentionNorm, x, rows: n, into: h)
            pass.attention(layer.attention, h, cache: cache.view(layer: l), addingInto: x)
            pass.norm(layer.mlpNorm, x, rows: n, into: h)
            pass.mlp(layer.mlp, h, addingInto: x)
        }
        return output(pass, rows: rows, allPositions: allPositions)
    }

    /// x = the token embedding of each new token, plus its position's where positions are learned.
    private func embed(_ rows: [GPTBatchRow], into x: UnsafeMutablePointer<Float>) {
        let c = config.nEmbd
        var t = 0
        for row in rows {
            for (i, token) in row.tokens.enumerated() {
                tokenEmbedding.copyRow(token, into: x + t * c)
                switch config.architecture.positions {
                case .learned:
                    let p = positionEmbedding! + (row.startPosition + i) * c
                    for j in 0..<c { x[t * c + j] += p[j] }
                case .rotary:
                    break  // applied to queries and keys inside attention
                }
                t += 1
            }
        }
    }

    /// The final norm and the head, on the output positions only.
    private func output(_ pass: ForwardPass, rows: [GPTBatchRow], allPositions: Bool) -> GPTLogits {
        let c = config.nEmbd, x = pass.residual, h = pass.normed
        var picked: [Int] = []
        if allPositions {
            picked = Array(0..<pass.tokens)
        } else {
            var offset = 0
            for row in rows {
                let count = row.tokens.count
                if row.outputCount == 1, case .classifier = task, let pad = config.padTokenId,
                   let i = row.tokens.lastIndex(where: { $0 != pad }) {
                    picked.append(offset + i)
                } else {
                    picked.append(contentsOf: (offset + count - min(row.outputCount, count))..<(offset + count))
                }
                offset += count
            }
        }
        let width = outputWidth
        guard !picked.isEmpty else { return GPTLogits(width: width, values: []) }
        for (i, src) in picked.enumerated() { (h + i * c).update(from: x + src * c, count: c) }
        pass.norm(finalNorm, h, rows: picked.count, into: h)
        var out = [Float](repeating: 0, count: picked.count * width)
        out.withUnsafeMutableBufferPointer { buffer in
            Matmul.linear(h, rows: picked.count, weight: head, bias: headBias, into: buffer.baseAddress!,
                          threads: pass.threads)
        }
        return GPTLogits(width: width, values: out)
    }
}
