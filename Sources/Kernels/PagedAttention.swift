import CKernels
import Foundation

/// The new tokens of one sequence in a batched attention call: rows `firstToken..<firstToken + tokens` of the
/// query and output matrices, at positions `start..<start + tokens`, with that sequence's block table.
public struct AttentionRow {
    public var firstToken: Int
    public var tokens: Int
    public var start: Int
    public var blockTable: UnsafePointer<Int32>

    public init(firstToken: Int, tokens: Int, start: Int, blockTable: UnsafePointer<Int32>) {
        self.firstToken = firstToken; self.tokens = tokens; self.start = start; self.blockTable = blockTable
    }
}

/// Causal multi-head attention of new tokens against their sequences' paged KV cache.
///
/// With grouped-query attention the cache holds `cache.heads` key/value heads, fewer than the H query heads: query
/// head h reads key/value head h / (H / cache.heads).
public enum PagedAttention {
    /// One sequence: q [T, qStride] with head h at columns h*D..<(h+1)*D; out: [T, C]. Query t sits at position
    /// start + t and sees positions 0...start+t, whose K/V must already be in the cache.
    static func attend(queries q: UnsafePointer<Float>, queryStride: Int, tokens t: Int, start: Int,
                       heads h: Int, headSize d: Int, cache: PagedKV, blockTable: UnsafePointer<Int32>,
                       into out: UnsafeMutablePointer<Float>, outStride: Int, threads: Int = KernelThreads.count) {
        attend(queries: q, queryStride: queryStride,
               rows: [AttentionRow(firstToken: 0, tokens: t, start: start, blockTable: blockTable)],
               heads: h, headSize: d, cache: cache, into: out, outStride: outStride, threads: threads)
    }

    /// Several sequences at once (all rows of a forward pass): rows of at least `gemmTokenThreshold` tokens go
    /// through `attendGEMM` one by one; the (row, KV head, token) items of all shorter rows — decode tokens, short
    /// appends — are split over `threads` threads in one parallel call. An item runs the query heads of its KV
    /// head's group together (`gk_attend_group`), reading that head's keys and values once; without grouping it
    /// runs the one-head kernel.
    public static func attend(queries q: UnsafePointer<Float>, queryStride: Int, rows: [AttentionRow],
                              heads h: Int, headSize d: Int, cache: PagedKV,
                              into out: UnsafeMutablePointer<Float>, outStride: Int,
                              threads: Int = KernelThreads.count) {
        var short: [AttentionRow] = []
        var itemStarts: [Int] = []  // first item of each short row
        var items = 0, longest = 0
        let kvHeads = cache.heads, group = h / kvHeads
        for row in rows {
            if row.tokens >= gemmTokenThreshold {
                attendGEMM(queries: q + row.firstToken * queryStride, queryStride: queryStride, tokens: row.tokens,
                           start: row.start, heads: h, headSize: d, cache: cache, blockTable: row.blockTable,
                           into: out + row.firstToken * outStride, outStride: outStride, threads: threads)
            } else {
                short.append(row)
                itemStarts.append(items)
                items += row.tokens * kvHeads
                longest = max(longest, row.start + row.tokens)
            }
        }
        guard items > 0 else { return }
        // Four parts per thread, claimed as threads free up, so uneven rows (contexts of different lengths) balance.
        let parts = threads > 1 ? min(items, 4 * threads) : 1
        let scale = 1 / Float(d).squareRoot()
        Parallel.run(parts, threads: threads) { part in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: group * longest + 16)  // [group, n]
            defer { scores.deallocate() }
            var r = 0
            var item = part
            while item < items {
                while r + 1 < short.count && itemStarts[r + 1] <= item { r += 1 }
                let row = short[r], local = item - itemStarts[r]
                // Head-major order: one head's keys and values stay in cache across its queries.
                let kvHead = local / row.tokens, ti = local % row.tokens
                let n = row.start + ti + 1
                let firstHead = kvHead * group
                // Without grouping the one-head kernel is faster: it keeps its sums in registers across blocks.
                if group == 1 {
                    gk_attend_head(q + (row.firstToken + ti) * queryStride + kvHead * d, d, cache.keys(head: kvHead),
                                   cache.values(head: kvHead), cache.isBF16, cache.blockStride, cache.blockSize,
                                   row.blockTable, n, scale, scores,
                                   out + (row.firstToken + ti) * outStride + kvHead * d)
                } else {
                    gk_attend_group(q + (row.firstToken + ti) * queryStride + firstHead * d, group, d,
                                    cache.keys(head: kvHead), cache.values(head: kvHead), cache.isBF16,
                                    cache.blockStride, cache.blockSize, row.blockTable, n, scale, scores,
                                    out + (row.firstToken + ti) * outStride + firstHead * d)
                }
                item += parts
            }
        }
    }

    /// Rows of at least this many new tokens go through `attendGEMM`: below it, gathering K/V and the two matrix
    /// products cost more than the per-token kernel.
    static let gemmTokenThreshold = 32

    /// Query rows per call of `gk_attend_rows`: short enough that the masked triangle it still computes is a small
    /// part of a prompt's work, long enough for its tiles (12 rows on AVX-512, 6 on AVX2).
    static let rowsPerRun = 48

    /// Prefill path: gathers key/value heads, as many at a time as there are threads (so the fp32 copies stay a few
    /// heads' worth however many heads the model has), each one's keys transposed ([D, n]) and values ([n, D]); then
    /// runs their (query head, run of `rowsPerRun` rows) items over the threads, the last rows' runs (the longest)
    /// first. Each item is two matrix products and a row softmax in `gk_attend_rows`, which stop at the last
    /// position its rows see.
    static func attendGEMM(queries q: UnsafePointer<Float>, queryStride: Int, tokens t: Int, start: Int,
                           heads h: Int, headSize d: Int, cache: PagedKV, blockTable: UnsafePointer<Int32>,
                           into out: UnsafeMutablePointer<Float>, outStride: Int, threads: Int = KernelThreads.count) {
        let n = start + t
        let scale = 1 / Float(d).squareRoot()
        let kvHeads = cache.heads, group = h / kvHeads
        let batch = max(1, min(kvHeads, threads))
        let keys = UnsafeMutablePointer<Float>.allocate(capacity: batch * n * d)  // [batch, n, D], as gathered
        let keysT = UnsafeMutablePointer<Float>.allocate(capacity: batch * d * n)  // [batch, D, n]
        let values = UnsafeMutablePointer<Float>.allocate(capacity: batch * n * d)  // [batch, n, D]
        defer { keys.deallocate(); keysT.deallocate(); values.deallocate() }
        let runs = (t + rowsPerRun - 1) / rowsPerRun
        for firstKV in stride(from: 0, to: kvHeads, by: batch) {
            let gathered = min(batch, kvHeads - firstKV)
            Parallel.run(gathered, threads: threads) { slot in
                let rows = keys + slot * n * d, transposed = keysT + slot * d * n
                cache.gather(head: firstKV + slot, positions: n, table: blockTable, keys: rows,
                             values: values + slot * n * d)
                for p in 0..<n {
                    for i in 0..<d { transposed[i * n + p] = rows[p * d + i] }
                }
            }
            let queryHeads = gathered * group, items = queryHeads * runs
            let parts = threads > 1 ? min(items, 4 * threads) : 1
            Parallel.run(parts, threads: threads) { part in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerRun * (d + n))
                defer { scratch.deallocate() }
                for item in stride(from: part, to: items, by: parts) {
                    let run = runs - 1 - item / queryHeads, local = item % queryHeads, slot = local / group
                    let head = firstKV * group + local
                    let first = run * rowsPerRun, rows = min(rowsPerRun, t - first)
                    gk_attend_rows(q + first * queryStride + head * d, queryStride, rows, start + first, d,
                                   keysT + slot * d * n, n, values + slot * n * d, scale, scratch,
                                   out + first * outStride + head * d, outStride)
                }
            }
        }
    }

    /// The naive twin: gathers the sequence's K/V into plain fp32 arrays and computes in Double.
    static func attendNaive(queries q: UnsafePointer<Float>, queryStride: Int, tokens t: Int, start: Int,
                            heads h: Int, headSize d: Int, cache: PagedKV, blockTable: UnsafePointer<Int32>,
                            into out: UnsafeMutablePointer<Float>, outStride: Int) {
        let total = start + t
        // [H][positions][D], widened from the cache's elements.
        let group = h / cache.heads
        var keys = [[Float]](repeating: [Float](repeating: 0, count: total * d), count: cache.heads)
        var values = keys
        for head in 0..<cache.heads {
            cache.gather(head: head, positions: total, table: blockTable, keys: &keys[head], values: &values[head])
        }
        for ti in 0..<t {
            for head in 0..<h {
                let n = start + ti + 1
                var s = [Double](repeating: 0, count: n)
                for p in 0..<n {
                    var acc = 0.0
                    for i in 0..<d {
                        acc += Double(q[ti * queryStride + head * d + i]) * Double(keys[head / group][p * d + i])
                    }
                    s[p] = acc / Double(d).squareRoot()
                }
                let m = s.max()!
                let e = s.map { Foundation.exp($0 - m) }
                let z = e.reduce(0, +)
                for i in 0..<d {
                    var acc = 0.0
                    for p in 0..<n { acc += e[p] / z * Double(values[head / group][p * d + i]) }
                    out[ti * outStride + head * d + i] = Float(acc)
                }
            }
        }
    }
}
