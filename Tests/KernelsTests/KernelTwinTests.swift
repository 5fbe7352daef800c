import XCTest
@testable import Kernels

/// Each fast kernel agrees with its naive twin on random inputs, including sizes that are not multiples of 16.
final class KernelTwinTests: XCTestCase {
    var rng = SystemRandomNumberGenerator()

    func random(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale) } }

    func maxDiff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }

    func checkLinear(rows n: Int, k: Int, m: Int, accumulate: Bool) {
        let x = random(n * k), w = random(m * k), b = random(m), start = random(n * m)
        var fast = start, naive = start
        Matmul.linear(x, rows: n, inFeatures: k, weight: w, bias: b, outFeatures: m, into: &fast,
                      accumulate: accumulate)
        Matmul.linearNaive(x, rows: n, inFeatures: k, weight: w, bias: b, outFeatures: m, into: &naive,
                           accumulate: accumulate)
        XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-4, "rows \(n), k \(k), m \(m)")
    }

    func testLinearMatchesNaiveForSmallAndLargeRowCounts() {
        for n in [1, 2, 3, 4, 5, 7, 8, 9, 16, 33] {
            checkLinear(rows: n, k: 70, m: 300, accumulate: false)
            checkLinear(rows: n, k: 64, m: 37, accumulate: true)
        }
    }

    func testSmallKernelMatchesNaiveWithoutBias() {
        let x = random(3 * 50), w = random(260 * 50)
        var fast = [Float](repeating: 0, count: 3 * 260), naive = fast
        Matmul.linearSmall(x, rows: 3, inFeatures: 50, weight: w, bias: nil, outFeatures: 260, into: &fast)
        Matmul.linearNaive(x, rows: 3, inFeatures: 50, weight: w, bias: nil, outFeatures: 260, into: &naive)
        XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-4)
    }

    func testLayerNormMatchesNaive() {
        for c in [48, 50, 768] {
            let x = random(3 * c, scale: 4), g = random(c), b = random(c)
            var fast = [Float](repeating: 0, count: 3 * c), naive = fast
            LayerNorm.apply(x, rows: 3, channels: c, gain: g, bias: b, epsilon: 1e-5, into: &fast)
            LayerNorm.applyNaive(x, rows: 3, channels: c, gain: g, bias: b, epsilon: 1e-5, into: &naive)
            XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-5, "C = \(c)")
        }
    }

    func testGELUMatchesNaiveAcrossTheRange() {
        var fast = (0..<1003).map { Float($0 - 501) / 40 }  // -12.5 ... 12.5
        var naive = fast
        GELU.apply(&fast, count: fast.count)
        GELU.applyNaive(&naive, count: naive.count)
        XCTAssertLessThanOrEqual(maxDiff(fast, naive), 2e-6)
    }

    func testSoftmaxMatchesNaiveAndSumsToOne() {
        for n in [1, 15, 16, 17, 300] {
            var fast = random(n, scale: 30), naive = fast
            Softmax.apply(&fast, count: n)
            Softmax.applyNaive(&naive, count: n)
            XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-6, "n = \(n)")
            XCTAssertEqual(fast.reduce(0, +), 1, accuracy: 1e-5)
        }
    }

    func testExpIsAccurateAndClamped() {
        let v = SIMD16<Float>((0..<16).map { Float($0) * 5 - 40 })
        let e = VectorMath.exp(v)
        for i in 0..<16 { XCTAssertEqual(e[i] / Foundation.exp(v[i]), 1, accuracy: 1e-6) }
        XCTAssertTrue(VectorMath.exp(SIMD16(repeating: 1000))[0].isFinite)
        XCTAssertEqual(VectorMath.exp(SIMD16(repeating: -1000))[0], 0, accuracy: 1e-37)
    }

    func testPagedAttentionMatchesNaiveOverScatteredBlocks() {
        let h = 3, d = 20, c = h * d, blockSize = 4, blocks = 6
        let start = 9, t = 5  // positions 0..<14 in blocks 5, 2, 0, 4
        let table: [Int32] = [5, 2, 0, 4]
        var storage = random(blocks * 2 * blockSize * c)
        let q = random(t * 3 * c)
        var fast = [Float](repeating: 0, count: t * c), naive = fast
        storage.withUnsafeMutableBufferPointer { s in
            let kv = PagedKV(keys: s.baseAddress!, values: s.baseAddress! + blockSize * c,
                             blockStride: 2 * blockSize * c, blockSize: blockSize, channels: c)
            for threads in [1, 2] {
                PagedAttention.attend(queries: q, queryStride: 3 * c, tokens: t, start: start, heads: h, headSize: d,
                                      cache: kv, blockTable: table, into: &fast, outStride: c, threads: threads)
                PagedAttention.attendNaive(queries: q, queryStride: 3 * c, tokens: t, start: start, heads: h,
                                           headSize: d, cache: kv, blockTable: table, into: &naive, outStride: c)
                XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-5, "threads \(threads)")
            }
        }
    }
}
