import CKernels
import XCTest
@testable import Kernels

/// The Q6_K kernels agree with their naive twin on every SIMD path (the integer sums are exact, so only the fp32
/// epilogue differs), the panels hold the blocks' weights exactly, and a matrix stacked from parts of different
/// types multiplies as its parts do, each into its own columns.
final class Q6KTwinTests: XCTestCase {
    func random(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale) } }

    /// Random Q6_K blocks for W [m, k]: d a small positive fp16, the nibbles, high pairs and int8 scales uniformly
    /// random, so every q in 0..63 and every scale in -128..127 occurs.
    func randomBlocks(m: Int, k: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<(m * k / 256) {
            let d = Float16(Float.random(in: 0.00005...0.0005)).bitPattern
            bytes += (0..<208).map { _ in UInt8.random(in: 0...255) }
            bytes += [UInt8(d & 0xFF), UInt8(d >> 8)]
        }
        return bytes
    }

    func forEachPath(_ body: (SIMDPath) -> Void) {
        defer { SIMDPath.limit(to: .avx512BF16) }
        for path in SIMDPath.runnable {
            XCTAssertEqual(SIMDPath.limit(to: path), path)
            body(path)
        }
    }

    /// The blocks of W [m, k] packed into Q6_K panels, rows in reverse order (packing is per row, in any order).
    func withQ6KPanels(_ blocks: [UInt8], m: Int, k: Int, _ body: (LinearWeight) -> Void) {
        var panels = [UInt8](repeating: 0, count: LinearWeight.q6KPanelCount(outFeatures: m, inFeatures: k))
        blocks.withUnsafeBytes { bytes in
            for j in (0..<m).reversed() {
                LinearWeight.packQ6KRow(bytes.baseAddress! + j * (k / 256) * 210, inFeatures: k, row: j, into: &panels)
            }
        }
        panels.withUnsafeBufferPointer { body(LinearWeight(.q6KPanels($0.baseAddress!), outFeatures: m, inFeatures: k)) }
    }

    /// sum_i |a_i| |W[j, i]| for each (r, j): the fp32 rounding of the kernels' epilogue is a few ulps of it.
    func magnitudes(_ x: [Float], rows n: Int, k: Int, w: [[Float]]) -> [Float] {
        let m = w.count
        var out = [Float](repeating: 0, count: n * m)
        for r in 0..<n {
            for j in 0..<m { for i in 0..<k { out[r * m + j] += abs(x[r * k + i]) * abs(w[j][i]) } }
        }
        return out
    }

    func checkQ6KLinear(rows n: Int, k: Int, m: Int, accumulate: Bool, path: SIMDPath) {
        let blocks = randomBlocks(m: m, k: k)
        var x = random(n * k, scale: 3), b = random(m), start = random(n * m)
        x[k / 2] = 40  // an outlier: a coarse scale for that block of row 0
        var fast = start, naive = start
        withQ6KPanels(blocks, m: m, k: k) { weight in
            Matmul.linear(x, rows: n, weight: weight, bias: b, into: &fast, accumulate: accumulate)
        }
        Q6KQuantization.linearNaive(x, rows: n, inFeatures: k, blocks: blocks, bias: b, outFeatures: m, into: &naive,
                                    accumulate: accumulate)
        let size = magnitudes(x, rows: n, k: k, w: Q6KQuantization.dequantizeNaive(blocks, outFeatures: m, inFeatures: k))
        for i in 0..<fast.count {
            let slack = 1e-6 * (size[i] + abs(start[i]) + abs(b[i % m])) + 1e-6
            XCTAssertEqual(fast[i], naive[i], accuracy: slack,
                           "\(path.name): rows \(n), k \(k), m \(m), at (\(i / m), \(i % m))")
        }
    }

    /// A row gives the same outputs alone as in a batch of 13 (a tile of 8 rows and one of 5, from the unpacked
    /// panels), bit for bit.
    func testQ6KRowsGiveTheSameResultAloneAndInABatch() {
        forEachPath { path in
            let n = 13, k = 512, m = 40
            let blocks = randomBlocks(m: m, k: k), x = random(n * k, scale: 3), b = random(m)
            withQ6KPanels(blocks, m: m, k: k) { weight in
                let outputs = batchedAndAlone(x, rows: n, weight: weight, bias: b)
                XCTAssertEqual(outputs.batched, outputs.alone, path.name)
            }
        }
    }

    /// The AVX-VNNI kernel (batch 1, vpdpbusd) sums the same integers as the AVX2 one and rounds them in the same fp32
    /// steps: a machine gives the same completions with either.
    func testQ6KAVXVNNIGivesTheAVX2OutputsBitForBit() throws {
        let k = 768, m = 40
        let blocks = randomBlocks(m: m, k: k), b = random(m)
        for n in [1, 2, 9] {  // pairs of panels and a last one, then the AVX2 tile both paths share
            let x = random(n * k, scale: 3)
            let outputs = try onAVX2AndAVXVNNI {
                var y = [Float](repeating: 0, count: n * m)
                withQ6KPanels(blocks, m: m, k: k) { Matmul.linear(x, rows: n, weight: $0, bias: b, into: &y) }
                return y
            }
            XCTAssertEqual(outputs.avx2, outputs.avxVNNI, "\(n) rows")
        }
    }

    func testQ6KLinearMatchesNaiveTwinOnEveryPath() {
        forEachPath { path in
            for n in 1...9 {
                checkQ6KLinear(rows: n, k: 256, m: 37, accumulate: false, path: path)
                checkQ6KLinear(rows: n, k: 768, m: 20, accumulate: true, path: path)
            }
            checkQ6KLinear(rows: 13, k: 1280, m: 300, accumulate: false, path: path)
        }
    }

    /// Every row read back from the panels is the blocks' dequantization bit for bit, and the padding columns of the
    /// last panel stay zero, so they add nothing.
    func testQ6KPanelsHoldTheBlocksWeightsExactlyAndZeroPadding() {
        let m = 19, k = 512
        let blocks = randomBlocks(m: m, k: k)
        let expected = Q6KQuantization.dequantizeNaive(blocks, outFeatures: m, inFeatures: k)
        withQ6KPanels(blocks, m: m, k: k) { weight in
            XCTAssertEqual(weight.byteCount, 2 * 2 * 3360)
            XCTAssertEqual(weight.byteCount * 8 / (32 * k), 6, "6.5625 bits a weight")
            var row = [Float](repeating: .nan, count: k)
            for j in 0..<m {
                weight.copyRow(j, into: &row)
                XCTAssertEqual(row.map(\.bitPattern), expected[j].map(\.bitPattern), "row \(j)")
            }
            guard case .q6KPanels(let p) = weight.storage else { return XCTFail("not Q6_K panels") }
            let whole = LinearWeight(.q6KPanels(p), outFeatures: 32, inFeatures: k)
            var y = [Float](repeating: .nan, count: 32)
            Matmul.linear(random(k), rows: 1, weight: whole, bias: nil, into: &y)
            XCTAssertEqual(Array(y[m..<32]), [Float](repeating: 0, count: 32 - m))
        }
    }

    func testZeroActivationsGiveZeroNotNaN() {
        let m = 20, k = 256
        let blocks = randomBlocks(m: m, k: k)
        var x = random(2 * k)
        for i in 0..<k { x[i] = 0 }
        forEachPath { path in
            var y = [Float](repeating: .nan, count: 2 * m)
            withQ6KPanels(blocks, m: m, k: k) { Matmul.linear(x, rows: 2, weight: $0, bias: nil, into: &y) }
            XCTAssertEqual(Array(y[0..<m]), [Float](repeating: 0, count: m), path.name)
            XCTAssertFalse(y.contains { $0.isNaN }, path.name)
        }
    }

    /// A Q6_K part stacked after an fp32 part (different types, different column counts, not multiples of 16) gives
    /// each part's own product in its columns, with the bias, accumulation and GELU of those columns, and its rows
    /// read back from the part that holds them.
    func testStackedPartsMultiplyEachIntoItsOwnColumns() {
        let k = 256, first = 21, second = 35, n = 3
        let blocks = randomBlocks(m: second, k: k)
        let dense = random(first * k)
        var f32Panels = [Float](repeating: 0, count: LinearWeight.f32PanelCount(outFeatures: first, inFeatures: k))
        LinearWeight.packF32Panels(dense, outFeatures: first, inFeatures: k, into: &f32Panels)
        let x = random(n * k), bias = random(first + second), start = random(n * (first + second))
        f32Panels.withUnsafeBufferPointer { f32 in
            withQ6KPanels(blocks, m: second, k: k) { q6k in
                let top = LinearWeight(.f32Panels(f32.baseAddress!), outFeatures: first, inFeatures: k)
                let stacked = LinearWeight(stacking: [top, q6k])
                XCTAssertEqual(stacked.outFeatures, first + second)
                XCTAssertEqual(stacked.byteCount, top.byteCount + q6k.byteCount)
                for gelu in [false, true] {
                    var whole = start, a = [Float](repeating: 0, count: n * first)
                    var b = [Float](repeating: 0, count: n * second)
                    Matmul.linear(x, rows: n, weight: stacked, bias: bias, into: &whole, accumulate: true, gelu: gelu)
                    Matmul.linear(x, rows: n, weight: top, bias: nil, into: &a)
                    Matmul.linear(x, rows: n, weight: q6k, bias: nil, into: &b)
                    for r in 0..<n {
                        for j in 0..<(first + second) {
                            let part = j < first ? a[r * first + j] : b[r * second + j - first]
                            var expected = start[r * (first + second) + j] + part + bias[j]
                            if gelu { gk_gelu(&expected, 1) }
                            XCTAssertEqual(whole[r * (first + second) + j], expected, accuracy: 1e-4 * max(1, abs(expected)),
                                           "gelu \(gelu), (\(r), \(j))")
                        }
                    }
                }
                var row = [Float](repeating: .nan, count: k), expected = row
                stacked.copyRow(first + 4, into: &row)
                q6k.copyRow(4, into: &expected)
                XCTAssertEqual(row, expected)
                stacked.copyRow(2, into: &row)
                XCTAssertEqual(row, Array(dense[(2 * k)..<(3 * k)]))
            }
        }
    }
}
