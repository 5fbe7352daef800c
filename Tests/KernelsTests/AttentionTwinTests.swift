import XCTest
@testable import Kernels

/// Paged attention (per-token kernel and GEMM path, fp32 and bf16 caches, every SIMD path) agrees with its naive
/// twin, which gathers each head's keys and values and computes in Double.
final class AttentionTwinTests: XCTestCase {
    func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1) } }
    func maxDiff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }

    override func tearDown() { SIMDPath.limit(to: .avx512BF16) }

    /// A cache of `blocks` blocks of one layer with random contents, laid out like KVBlockPool's.
    final class Cache {
        let storage: UnsafeMutableRawPointer
        let kv: PagedKV

        init(blocks: Int, blockSize: Int, heads: Int, headSize: Int, element: PagedKV.Element) {
            let c = heads * headSize, elements = blocks * 2 * blockSize * c
            let bytes = UnsafeMutableRawPointer.allocate(byteCount: elements * element.byteCount, alignment: 64)
            let values = (0..<elements).map { _ in Float.random(in: -1...1) }
            if element == .bf16 {
                bytes.copyMemory(from: values.map(BF16.roundNaive), byteCount: elements * 2)
            } else {
                bytes.copyMemory(from: values, byteCount: elements * 4)
            }
            storage = bytes
            kv = PagedKV(keys: bytes, values: bytes + blockSize * c * element.byteCount, element: element,
                         blockStride: 2 * blockSize * c, blockSize: blockSize, heads: heads, headSize: headSize)
        }

        deinit { storage.deallocate() }
    }

    /// `h` query heads over `kvHeads` key/value heads (grouped-query attention when fewer).
    func checkAttention(start: Int, tokens t: Int, table: [Int32], blocks: Int, headSize d: Int = 20, h: Int = 3,
                        kvHeads: Int = 3) {
        let c = h * d, stride = c + 2 * kvHeads * d, blockSize = 4
        for element in [PagedKV.Element.f32, .bf16] {
            let cache = Cache(blocks: blocks, blockSize: blockSize, heads: kvHeads, headSize: d, element: element)
            let q = random(t * stride)
            for path in SIMDPath.runnable {
                SIMDPath.limit(to: path)
                for threads in [1, 2] {
                    var fast = [Float](repeating: 0, count: t * c), naive = fast
                    PagedAttention.attend(queries: q, queryStride: stride, tokens: t, start: start, heads: h,
                                          headSize: d, cache: cache.kv, blockTable: table, into: &fast, outStride: c,
                                          threads: threads)
                    PagedAttention.attendNaive(queries: q, queryStride: stride, tokens: t, start: start, heads: h,
                                               headSize: d, cache: cache.kv, blockTable: table, into: &naive,
                                               outStride: c)
                    XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-5,
                                             "\(element), \(path.name), D \(d), H \(h)/\(kvHeads), threads \(threads)")
                }
            }
        }
    }

    func testPerTokenKernelMatchesNaiveOverScatteredBlocks() {
        for d in [20, 16, 64, 72] {  // a masked tail, one AVX-512 chunk, the GPT-2 head size, D % 16 != 0
            checkAttention(start: 9, tokens: 5, table: [5, 2, 0, 4], blocks: 6, headSize: d)
        }
    }

    func testGEMMPathMatchesNaive() {
        checkAttention(start: 7, tokens: 40, table: [3, 12, 0, 5, 9, 1, 2, 4, 6, 7, 8, 10], blocks: 13)
        checkAttention(start: 0, tokens: 33, table: [2, 0, 1, 3, 4, 5, 6, 7, 8], blocks: 9, headSize: 64)
    }

    /// A prompt longer than one run of rows (`rowsPerRun`), continuing a cached prefix and starting fresh, with a
    /// last run shorter than the others: every run sees exactly its own positions.
    func testGEMMPathMatchesNaiveOverSeveralRunsOfRows() {
        let rows = PagedAttention.rowsPerRun
        checkAttention(start: 5, tokens: 2 * rows + 7, table: (0..<30).reversed().map(Int32.init), blocks: 30,
                       headSize: 64, h: 4, kvHeads: 2)
        checkAttention(start: 0, tokens: rows + 1, table: (0..<13).map(Int32.init), blocks: 13, headSize: 20)
    }

    /// Grouped-query attention: query heads 2k and 2k+1 read key/value head k, on both paths.
    func testGroupedQueryAttentionMatchesNaiveOnBothPaths() {
        checkAttention(start: 9, tokens: 5, table: [5, 2, 0, 4], blocks: 6, headSize: 16, h: 4, kvHeads: 2)
        checkAttention(start: 7, tokens: 40, table: [3, 12, 0, 5, 9, 1, 2, 4, 6, 7, 8, 10], blocks: 13,
                       headSize: 32, h: 4, kvHeads: 2)
        checkAttention(start: 3, tokens: 2, table: [1, 0], blocks: 2, headSize: 16, h: 6, kvHeads: 1)
    }

    /// A query head's output depends on its own key/value head only: with one KV head copied to every head,
    /// grouped attention gives multi-head attention's result.
    func testGroupedAttentionEqualsMultiHeadOverRepeatedHeads() {
        let d = 16, blockSize = 4, t = 6, start = 2, h = 4, table: [Int32] = [1, 0]
        let grouped = Cache(blocks: 2, blockSize: blockSize, heads: 2, headSize: d, element: .f32)
        let repeated = Cache(blocks: 2, blockSize: blockSize, heads: h, headSize: d, element: .f32)
        let slice = blockSize * d * 4
        for block in 0..<2 {
            for part in 0..<2 {  // keys, values
                for head in 0..<h {
                    let from = grouped.storage + ((block * 2 + part) * 2 + head / 2) * slice
                    let to = repeated.storage + ((block * 2 + part) * h + head) * slice
                    to.copyMemory(from: from, byteCount: slice)
                }
            }
        }
        let q = random(t * h * d)
        var a = [Float](repeating: 0, count: t * h * d), b = a
        PagedAttention.attend(queries: q, queryStride: h * d, tokens: t, start: start, heads: h, headSize: d,
                              cache: grouped.kv, blockTable: table, into: &a, outStride: h * d)
        PagedAttention.attend(queries: q, queryStride: h * d, tokens: t, start: start, heads: h, headSize: d,
                              cache: repeated.kv, blockTable: table, into: &b, outStride: h * d)
        XCTAssertLessThanOrEqual(maxDiff(a, b), 1e-6)
    }

    /// Several sequences in one call (short rows split over threads together, long rows through the GEMM path)
    /// give each sequence's own result.
    func testBatchedAttentionOfSeveralSequencesMatchesNaivePerSequence() {
        let h = 3, d = 20, c = h * d, blockSize = 4
        let cache = Cache(blocks: 24, blockSize: blockSize, heads: h, headSize: d, element: .f32)
        // (start, tokens, table): a decode token, a short append, a prompt long enough for the GEMM path.
        let rows: [(Int, Int, [Int32])] = [(9, 1, [5, 2, 0]), (3, 4, [7, 1]), (2, 35, (8..<18).map(Int32.init)),
                                          (0, 2, [23])]
        let n = rows.reduce(0) { $0 + $1.1 }
        let q = random(n * 3 * c)
        var fast = [Float](repeating: 0, count: n * c), naive = fast
        let tables = rows.map { row -> UnsafeMutablePointer<Int32> in
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: row.2.count)
            p.initialize(from: row.2, count: row.2.count)
            return p
        }
        defer { tables.forEach { $0.deallocate() } }
        var first = 0
        var batch: [AttentionRow] = []
        for (i, row) in rows.enumerated() {
            batch.append(AttentionRow(firstToken: first, tokens: row.1, start: row.0, blockTable: tables[i]))
            q.withUnsafeBufferPointer { qs in
                naive.withUnsafeMutableBufferPointer { out in
                    PagedAttention.attendNaive(queries: qs.baseAddress! + first * 3 * c, queryStride: 3 * c,
                                               tokens: row.1, start: row.0, heads: h, headSize: d, cache: cache.kv,
                                               blockTable: tables[i], into: out.baseAddress! + first * c,
                                               outStride: c)
                }
            }
            first += row.1
        }
        PagedAttention.attend(queries: q, queryStride: 3 * c, rows: batch, heads: h, headSize: d, cache: cache.kv,
                              into: &fast, outStride: c)
        XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-5)
    }

    /// Stores write each head's part of a position into that head's slice, rounded for a bf16 cache, and a gather
    /// reads them back.
    func testStoreThenGatherRoundTripsEveryHead() {
        let h = 2, d = 5, blockSize = 3
        for element in [PagedKV.Element.f32, .bf16] {
            let cache = Cache(blocks: 4, blockSize: blockSize, heads: h, headSize: d, element: element)
            let table: [Int32] = [2, 0]
            let keys = (0..<5).map { _ in random(h * d) }, values = (0..<5).map { _ in random(h * d) }
            for p in 0..<5 { cache.kv.store(position: p, table: table, keys: keys[p], values: values[p]) }
            for head in 0..<h {
                var k = [Float](repeating: 0, count: 5 * d), v = k
                cache.kv.gather(head: head, positions: 5, table: table, keys: &k, values: &v)
                for p in 0..<5 {
                    for i in 0..<d {
                        let round = { (x: Float) in element == .bf16 ? BF16.widenNaive(BF16.roundNaive(x)) : x }
                        XCTAssertEqual(k[p * d + i], round(keys[p][head * d + i]), "\(element) key \(p), \(head)")
                        XCTAssertEqual(v[p * d + i], round(values[p][head * d + i]), "\(element) value \(p), \(head)")
                    }
                }
            }
        }
    }
}
