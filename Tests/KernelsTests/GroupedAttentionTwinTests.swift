import CKernels
import XCTest
@testable import Kernels

/// The grouped-query kernel (the G query heads of one key/value head, its keys and values read once) gives each
/// head what the one-head kernel gives it, on every SIMD path, fp32 and bf16 caches.
final class GroupedAttentionTwinTests: XCTestCase {
    override func tearDown() { SIMDPath.limit(to: .avx512BF16) }

    /// Runs both kernels for `g` queries over positions 0..<n of key/value head 1 of a two-head cache whose blocks
    /// are visited in a shuffled order, and compares them head by head.
    func checkGroup(g: Int, n: Int, headSize d: Int, blockSize: Int) {
        let blocks = (n + blockSize - 1) / blockSize
        var table = (0..<blocks).map(Int32.init)
        table.shuffle()
        let q = (0..<g * d).map { _ in Float.random(in: -2...2) }
        let scale = 1 / Float(d).squareRoot()
        for element in [PagedKV.Element.f32, .bf16] {
            let cache = AttentionTwinTests.Cache(blocks: blocks, blockSize: blockSize, heads: 2, headSize: d,
                                                 element: element)
            let kv = cache.kv
            for path in SIMDPath.runnable {
                SIMDPath.limit(to: path)
                var grouped = [Float](repeating: .nan, count: g * d), single = grouped
                var scores = [Float](repeating: 0, count: g * n)
                gk_attend_group(q, g, d, kv.keys(head: 1), kv.values(head: 1), kv.isBF16, kv.blockStride,
                                kv.blockSize, table, n, scale, &scores, &grouped)
                for j in 0..<g {
                    q.withUnsafeBufferPointer { qs in
                        single.withUnsafeMutableBufferPointer { out in
                            gk_attend_head(qs.baseAddress! + j * d, d, kv.keys(head: 1), kv.values(head: 1),
                                           kv.isBF16, kv.blockStride, kv.blockSize, table, n, scale, &scores,
                                           out.baseAddress! + j * d)
                        }
                    }
                }
                XCTAssertFalse(grouped.contains { !$0.isFinite }, "G \(g), n \(n), D \(d), \(element), \(path.name)")
                let diff = zip(grouped, single).map { abs($0 - $1) }.max()!
                XCTAssertLessThanOrEqual(diff, 1e-6,
                                         "G \(g), n \(n), D \(d), block \(blockSize), \(element), \(path.name)")
            }
        }
    }

    func testGroupOfOneTwoAndSevenHeadsMatchesOneHeadKernel() {
        for g in [1, 2, 7] {
            checkGroup(g: g, n: 37, headSize: 64, blockSize: 16)
        }
    }

    /// Lengths just below, at and above block and tile boundaries, blocks smaller and larger than a tile.
    func testBlockAndTileBoundariesMatchOneHeadKernel() {
        for n in [1, 15, 16, 17, 32, 33] {
            checkGroup(g: 7, n: n, headSize: 64, blockSize: 16)
        }
        for n in [3, 4, 5] {
            checkGroup(g: 2, n: n, headSize: 64, blockSize: 4)
        }
        for n in [31, 40, 41, 97] {
            checkGroup(g: 7, n: n, headSize: 64, blockSize: 40)
        }
    }

    /// Head sizes with a masked AVX-512 tail (20, 72), the one-chunk case, the widest head (128).
    func testHeadSizesMatchOneHeadKernel() {
        for d in [16, 20, 72, 128] {
            checkGroup(g: 7, n: 50, headSize: d, blockSize: 16)
        }
    }

    func testLongContextMatchesOneHeadKernel() {
        checkGroup(g: 7, n: 600, headSize: 64, blockSize: 16)
        checkGroup(g: 6, n: 257, headSize: 128, blockSize: 16)
    }
}
