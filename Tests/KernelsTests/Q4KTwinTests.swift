import CKernels
import XCTest
@testable import Kernels

/// The Q4_K kernels agree with their naive twin on every SIMD path (the integer sums are exact, so only the fp32
/// epilogue differs), the panels hold the blocks' weights exactly, and the product stays within the rounding of the
/// activations' quantization of the fp32 product.
final class Q4KTwinTests: XCTestCase {
    func random(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale) } }

    /// Random Q4_K blocks for W [m, k]: d and dmin small positive fp16 (as a quantizer writes them), the 12 bytes of
    /// scales and mins and the nibbles uniformly random, so every 6-bit scale and min and every nibble occurs.
    func randomBlocks(m: Int, k: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<(m * k / 256) {
            let d = Float16(Float.random(in: 0.0005...0.004)).bitPattern
            let dmin = Float16(Float.random(in: 0...0.004)).bitPattern
            bytes += [UInt8(d & 0xFF), UInt8(d >> 8), UInt8(dmin & 0xFF), UInt8(dmin >> 8)]
            bytes += (0..<140).map { _ in UInt8.random(in: 0...255) }
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

    /// The blocks of W [m, k] packed into Q4_K panels, rows in reverse order (packing is per row, in any order).
    func withQ4KPanels(_ blocks: [UInt8], m: Int, k: Int, _ body: (LinearWeight) -> Void) {
        var panels = [UInt8](repeating: 0, count: LinearWeight.q4KPanelCount(outFeatures: m, inFeatures: k))
        blocks.withUnsafeBytes { bytes in
            for j in (0..<m).reversed() {
                LinearWeight.packQ4KRow(bytes.baseAddress! + j * (k / 256) * 144, inFeatures: k, row: j, into: &panels)
            }
        }
        panels.withUnsafeBufferPointer { body(LinearWeight(.q4KPanels($0.baseAddress!), outFeatures: m, inFeatures: k)) }
    }

    /// sum_i |a_i| ((d sc) q + dmin m) for each (r, j): the fp32 rounding of the kernels' epilogue (d isum - dmin
    /// msum, each term rounded, then scaled) is a few ulps of this, whatever the terms cancel to.
    func magnitudes(_ x: [Float], rows n: Int, k: Int, blocks: [UInt8], m: Int) -> [Float] {
        let w: [[Float]] = blocks.withUnsafeBytes { bytes in
            (0..<m).map { j in
                (0..<(k / 256)).flatMap { b in
                    let at = (j * (k / 256) + b) * 144
                    return Q4KQuantization.dequantizeBlockNaive(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + 144)]),
                                                                magnitudes: true)
                }
            }
        }
        var out = [Float](repeating: 0, count: n * m)
        for r in 0..<n {
            for j in 0..<m { for i in 0..<k { out[r * m + j] += abs(x[r * k + i]) * w[j][i] } }
        }
        return out
    }

    func checkQ4KLinear(rows n: Int, k: Int, m: Int, accumulate: Bool, path: SIMDPath) {
        let blocks = randomBlocks(m: m, k: k)
        var x = random(n * k, scale: 3), b = random(m), start = random(n * m)
        x[k / 2] = 40  // an outlier: a coarse scale for that block of row 0
        var fast = start, naive = start
        withQ4KPanels(blocks, m: m, k: k) { weight in
            Matmul.linear(x, rows: n, weight: weight, bias: b, into: &fast, accumulate: accumulate)
        }
        Q4KQuantization.linearNaive(x, rows: n, inFeatures: k, blocks: blocks, bias: b, outFeatures: m, into: &naive,
                                    accumulate: accumulate)
        let size = magnitudes(x, rows: n, k: k, blocks: blocks, m: m)
        for i in 0..<fast.count {
            let slack = 1e-6 * (size[i] + abs(start[i]) + abs(b[i % m])) + 1e-6
            XCTAssertEqual(fast[i], naive[i], accuracy: slack,
                           "\(path.name): rows \(n), k \(k), m \(m), at (\(i / m), \(i % m))")
        }
    }

    /// A row gives the same outputs alone as in a batch of 13 (the small batches' way, the tiles' and the unpacked
    /// panels'), bit for bit.
    func testQ4KRowsGiveTheSameResultAloneAndInABatch() {
        forEachPath { path in
            let n = 13, k = 512, m = 40
            let blocks = randomBlocks(m: m, k: k), x = random(n * k, scale: 3), b = random(m)
            withQ4KPanels(blocks, m: m, k: k) { weight in
                let outputs = batchedAndAlone(x, rows: n, weight: weight, bias: b)
                XCTAssertEqual(outputs.batched, outputs.alone, path.name)
            }
        }
    }

    /// The AVX-VNNI kernel sums the same integers as the AVX2 one and rounds them in the same fp32 steps: a machine
    /// gives the same completions with either.
    func testQ4KAVXVNNIGivesTheAVX2OutputsBitForBit() throws {
        let k = 768, m = 40
        let blocks = randomBlocks(m: m, k: k), b = random(m)
        for n in [1, 3, 4, 11] {  // the small tiles of both paths, AVX2's 4-row tile, the tiles of the unpacked panel
            let x = random(n * k, scale: 3)
            let outputs = try onAVX2AndAVXVNNI {
                var y = [Float](repeating: 0, count: n * m)
                withQ4KPanels(blocks, m: m, k: k) { Matmul.linear(x, rows: n, weight: $0, bias: b, into: &y) }
                return y
            }
            XCTAssertEqual(outputs.avx2, outputs.avxVNNI, "\(n) rows")
        }
    }

    func testQ4KLinearMatchesNaiveTwinOnEveryPath() {
        forEachPath { path in
            for n in 1...13 {
                checkQ4KLinear(rows: n, k: 256, m: 37, accumulate: false, path: path)
                checkQ4KLinear(rows: n, k: 768, m: 20, accumulate: true, path: path)
            }
            checkQ4KLinear(rows: 5, k: 1280, m: 300, accumulate: false, path: path)
        }
    }

    /// Against the fp32 product with the dequantized weights: each activation is off by at most half its block's
    /// scale (the weights are exact), so output (r, j) is within sum_b sx_b / 2 sum_{i in b} |W[j, i]| of it, plus
    /// the fp32 rounding bounded as in the twin test.
    func testQ4KLinearStaysWithinTheActivationQuantizationBound() {
        let n = 3, k = 512, m = 40
        let blocks = randomBlocks(m: m, k: k)
        var x = random(n * k)
        x[300] = 25
        var fast = [Float](repeating: 0, count: n * m)
        withQ4KPanels(blocks, m: m, k: k) { Matmul.linear(x, rows: n, weight: $0, bias: nil, into: &fast) }
        let w: [Float] = blocks.withUnsafeBytes { bytes in
            (0..<(m * k / 256)).flatMap {
                Q4KQuantization.dequantizeBlockNaive(UnsafeRawBufferPointer(rebasing: bytes[($0 * 144)..<($0 * 144 + 144)]))
            }
        }
        let size = magnitudes(x, rows: n, k: k, blocks: blocks, m: m)
        for r in 0..<n {
            for j in 0..<m {
                var exact = 0.0, bound = Double(1e-6 * size[r * m + j]) + 1e-6
                for start in stride(from: 0, to: k, by: 256) {
                    let sx = Double(x[(r * k + start)..<(r * k + start + 256)].map(abs).max()!) / 127
                    for i in start..<(start + 256) {
                        exact += Double(x[r * k + i]) * Double(w[j * k + i])
                        bound += sx / 2 * Double(abs(w[j * k + i]))
                    }
                }
                XCTAssertLessThanOrEqual(abs(Double(fast[r * m + j]) - exact), bound, "(\(r), \(j))")
            }
        }
    }

    /// Every row read back from the panels is the blocks' dequantization bit for bit, and the padding columns of the
    /// last panel stay zero, so they add nothing.
    func testQ4KPanelsHoldTheBlocksWeightsExactlyAndZeroPadding() {
        let m = 19, k = 512
        let blocks = randomBlocks(m: m, k: k)
        withQ4KPanels(blocks, m: m, k: k) { weight in
            XCTAssertEqual(weight.byteCount, 2 * 2 * 2368)
            var row = [Float](repeating: .nan, count: k)
            for j in 0..<m {
                weight.copyRow(j, into: &row)
                let expected: [Float] = blocks.withUnsafeBytes { bytes in
                    (0..<2).flatMap { b in
                        let at = (j * 2 + b) * 144
                        return Q4KQuantization.dequantizeBlockNaive(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + 144)]))
                    }
                }
                XCTAssertEqual(row.map(\.bitPattern), expected.map(\.bitPattern), "row \(j)")
            }
            guard case .q4KPanels(let p) = weight.storage else { return XCTFail("not Q4_K panels") }
            // All 32 columns of the two panels, padding included, as a matrix of 32 outputs.
            let whole = LinearWeight(.q4KPanels(p), outFeatures: 32, inFeatures: k)
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
            withQ4KPanels(blocks, m: m, k: k) { Matmul.linear(x, rows: 2, weight: $0, bias: nil, into: &y) }
            XCTAssertEqual(Array(y[0..<m]), [Float](repeating: 0, count: m), path.name)
            XCTAssertFalse(y.contains { $0.isNaN }, path.name)
        }
    }

    func testBlockActivationsAreTheSameBytesScalesAndSumsOnEveryPath() {
        let n = 3, k = 512
        var x = random(n * k, scale: 3)
        x[7] = 40  // an outlier: a coarse scale for that block
        for i in 256..<512 { x[i] = 0 }  // a block of zeros: scale 0, values 0
        x[2 * k] = 127  // scale 1 for that block: ties, rounded to even
        x[2 * k + 1] = 2.5
        x[2 * k + 2] = 3.5
        x[2 * k + 3] = -2.5
        func quantized() -> (values: [Int8], scales: [Float], sums: [Int16]) {
            var values = [Int8](repeating: 0, count: n * k), scales = [Float](repeating: 0, count: n * k / 256)
            var sums = [Int16](repeating: 0, count: n * k / 32)
            gk_activations_q8k(x, n, k, 32, &values, &scales, &sums)
            return (values, scales, sums)
        }
        SIMDPath.limit(to: .portable)
        let expected = quantized()
        func firstDifference<T: Equatable>(_ a: [T], _ b: [T]) -> Int? {
            zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        }
        forEachPath { path in
            let got = quantized()
            XCTAssertNil(firstDifference(got.values, expected.values), "\(path.name): the first value that differs")
            XCTAssertNil(firstDifference(got.scales.map(\.bitPattern), expected.scales.map(\.bitPattern)),
                         "\(path.name): the first scale that differs")
            XCTAssertNil(firstDifference(got.sums, expected.sums), "\(path.name): the first sum that differs")
        }
        let naive = Q4KQuantization.quantizedActivationsNaive(x[...])
        for i in 0..<(n * k) {
            XCTAssertEqual(Float(expected.values[i]) * expected.scales[i / 256], naive[i], "input \(i)")
        }
    }
}
