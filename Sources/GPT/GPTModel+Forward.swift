import Kernels

/// One row of a batch: the new tokens of one sequence, the position of the first, and its KV block table.
public struct GPTBatchRow: Sendable {
    public var tokens: [Int]
    public var startPosition: Int
    /// Block indices in a `KVBlockPool`, covering positions 0..<startPosition + tokens.count.
    public var blockTable: [Int]
    /// How many of the row's last positions to return outputs for: 1 (the next-token logits) by default, 0 for a
    /// prefill chunk whose outputs nobody reads, more to score a continuation.
    public var outputCount: Int

    public init(tokens: [Int], startPosition: Int, blockTable: [Int], outputCount: Int = 1) {
        self.tokens = tokens; self.startPosition = startPosition; self.blockTable = blockTable
        self.outputCount = outputCount
    }
}

/// Output rows of a forward pass: [rows, width] floats, row-major.
public struct GPTLogits: Sendable {
    public let width: Int
    public var values: [Float]
    public var rowCount: Int { width == 0 ? 0 : values.count / width }
    public subscript(row: Int) -> ArraySlice<Float> { values[row * width..<(row + 1) * width] }
}

extension GPTModel {
    /// Runs new tokens of several sequences in one pass; every weight is used in one matrix product per call.
    ///
    /// All rows' tokens are packed into one [N, C] activation matrix. Each row's new K/V are written into its
    /// blocks at positions startPosition..<startPosition+tokens.count (never below), so blocks shared with other
    /// sequences are only read. Returns each row's last `outputCount` positions in row order
    /// ([sum of outputCount, width]) or, with `allPositions`, every new position in row order ([N, width]).
    /// A classifier pools at the row's last token (or its rightmost
    /// non-pad token when the config has a pad token). Each kernel splits its work over `KernelThreads.count`
    /// threads, read once per call.
    public func forward(_ rows: [GPTBatchRow], cache: KVBlockPool, allPositions: Bool = false) throws -> GPTLogits {
        let c = config.nEmbd, f = config.nInner, h = config.nHead, d = config.headSize
        try validate(rows, cache: cache)
        let n = rows.reduce(0) { $0 + $1.tokens.count }
        let threads = KernelThreads.count
        let x = UnsafeMutablePointer<Float>.allocate(capacity: n * c)        // [N, C] residual stream
        let normed = UnsafeMutablePointer<Float>.allocate(capacity: n * c)   // [N, C]
        let qkv = UnsafeMutablePointer<Float>.allocate(capacity: n * 3 * c)  // [N, 3C]
        let attn = UnsafeMutablePointer<Float>.allocate(capacity: n * c)     // [N, C]
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: n * f)   // [N, F]
        defer { [x, normed, qkv, attn, hidden].forEach { $0.deallocate() } }
        // Block tables as Int32, in one allocation that outlives the layer loop.
        let tableStarts = rows.reduce(into: [0]) { $0.append($0.last! + $1.blockTable.count) }
        let tableStorage = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, tableStarts.last!))
        defer { tableStorage.deallocate() }
        for (r, row) in rows.enumerated() {
            for (i, block) in row.blockTable.enumerated() { tableStorage[tableStarts[r] + i] = Int32(block) }
        }
        let tables = (0..<rows.count).map { UnsafePointer(tableStorage + tableStarts[$0]) }
        var attentionRows: [AttentionRow] = []
        var firstToken = 0
        for (r, row) in rows.enumerated() {
            attentionRows.append(AttentionRow(firstToken: firstToken, tokens: row.tokens.count,
                                              start: row.startPosition, blockTable: tables[r]))
            firstToken += row.tokens.count
        }

        var t = 0
        for row in rows {
            for (i, token) in row.tokens.enumerated() {
                tokenEmbedding.copyRow(token, into: x + t * c)
                let p = positionEmbedding + (row.startPosition + i) * c
                for j in 0..<c { x[t * c + j] += p[j] }
                t += 1
            }
        }
        for (l, w) in layers.enumerated() {
            LayerNorm.apply(x, rows: n, channels: c, gain: w.ln1Gain, bias: w.ln1Bias,
                            epsilon: config.layerNormEpsilon, into: normed)
            Matmul.linear(normed, rows: n, weight: w.qkvWeight, bias: w.qkvBias, into: qkv, threads: threads)
            let kv = cache.view(layer: l)
            var offset = 0
            for (r, row) in rows.enumerated() {
                let table = tables[r]
                for i in 0..<row.tokens.count {
                    let src = qkv + (offset + i) * 3 * c
                    kv.store(position: row.startPosition + i, table: table, keys: src + c, values: src + 2 * c)
                }
                offset += row.tokens.count
            }
            PagedAttention.attend(queries: qkv, queryStride: 3 * c, rows: attentionRows, heads: h, headSize: d,
                                  cache: kv, into: attn, outStride: c, threads: threads)
            Matmul.linear(attn, rows: n, weight: w.projWeight, bias: w.projBias, into: x, accumulate: true,
                          threads: threads)
            LayerNorm.apply(x, rows: n, channels: c, gain: w.ln2Gain, bias: w.ln2Bias,
                            epsilon: config.layerNormEpsilon, into: normed)
            Matmul.linear(normed, rows: n, weight: w.fcWeight, bias: w.fcBias, into: hidden, gelu: true,
                          threads: threads)
            Matmul.linear(hidden, rows: n, weight: w.outWeight, bias: w.outBias, into: x, accumulate: true,
                          threads: threads)
        }

        // Pick the output positions, then final norm and head on those only.
        var picked: [Int] = []
        if allPositions {
            picked = Array(0..<n)
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
        for (i, src) in picked.enumerated() { (normed + i * c).update(from: x + src * c, count: c) }
        LayerNorm.apply(normed, rows: picked.count, channels: c, gain: finalGain, bias: finalBias,
                        epsilon: config.layerNormEpsilon, into: normed)
        var out = [Float](repeating: 0, count: picked.count * width)
        out.withUnsafeMutableBufferPointer { buffer in
            Matmul.linear(normed, rows: picked.count, weight: head, bias: headBias, into: buffer.baseAddress!,
                          threads: threads)
        }
        return GPTLogits(width: width, values: out)
    }

    func validate(_ rows: [GPTBatchRow], cache: KVBlockPool) throws {
        guard cache.layers == config.nLayer, cache.channels == config.nEmbd else {
            throw GPTError.invalidInput(reason: "the KV pool was made for \(cache.layers) layers of \(cache.channels) "
                + "channels, expected \(config.nLayer) of \(config.nEmbd)")
        }
        guard !rows.isEmpty else { throw GPTError.invalidInput(reason: "a forward pass needs at least one row") }
        for (r, row) in rows.enumerated() {
            guard !row.tokens.isEmpty else { throw GPTError.invalidInput(reason: "row \(r) has no tokens") }
            guard row.outputCount >= 0 else {
                throw GPTError.invalidInput(reason: "row \(r) asks for \(row.outputCount) outputs, expected 0 or more")
            }
            guard row.startPosition >= 0, row.startPosition + row.tokens.count <= config.nPositions else {
                throw GPTError.invalidInput(reason: "row \(r) spans positions \(row.startPosition)..<"
                    + "\(row.startPosition + row.tokens.count), expected within the context of \(config.nPositions)")
            }
            if let bad = row.tokens.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
                throw GPTError.invalidInput(reason: "row \(r) has token \(bad), expected 0..<\(config.vocabSize)")
            }
            let needed = cache.blocksNeeded(forTokens: row.startPosition + row.tokens.count)
            guard row.blockTable.count >= needed else {
                throw GPTError.invalidInput(reason: "row \(r) has \(row.blockTable.count) KV blocks, expected at "
                    + "least \(needed) for \(row.startPosition + row.tokens.count) positions")
            }
            if let bad = row.blockTable.first(where: { $0 < 0 || $0 >= cache.capacity }) {
                throw GPTError.invalidInput(reason: "row \(r) names KV block \(bad), expected 0..<\(cache.capacity)")
            }
        }
    }
}
