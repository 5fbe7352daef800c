import XCTest
@testable import Kernels

/// The Q5_0 / Q4_0 kernels agree with their naive twin on every SIMD path (the integer sums are exact and the fp32
/// epilogue is one FMA per block in the same order), the panels hold the blocks' weights exactly, and the product
/// stays within the rounding of the activations' quantization of the fp32 product.
final class Q5TwinTests: XCTestCase {
    func random(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale) } }

    /// Random blocks for W [m, k]: d an fp16 of either sign (ggml's quantizer writes d = max / -16, negative when
    /// the largest weight is positive), the fifth bits and nibbles uniformly random, so every q occurs.
    func randomBlocks(m: Int, k: Int, fifthBits: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<(m * k / 32) {
            let d = Float16(Float.random(in: 0.001...0.02) * (Bool.random() ? 1 : -1)).bitPattern
            bytes += [UInt8(d & 0xFF), UInt8(d >> 8)]
            bytes += (0..<(fifthBits ? 20 : 16)).map { _ in UInt8.random(in: 0...255) }
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

    /// The blocks of W [m, k] packed into panels, rows in reverse order (packing is per row, in any order).
    func withPanels(_ blocks: [UInt8], m: Int, k: Int, fifthBits: Bool, _ body: (LinearWeight) -> Void) {
        let count = LinearWeight.q5PanelCount(outFeatures: m, inFeatures: k, fifthBits: fifthBits)
        var panels = [UInt8](repeating: 0, count: count)
        let rowBytes = k / 32 * LinearWeight.q5FileBlockBytes(fifthBits: fifthBits)
        blocks.withUnsafeBytes { bytes in
            for j in (0..<m).reversed() {
                LinearWeight.packQ5Row(bytes.baseAddress! + j * rowBytes, inFeatures: k, row: j, fifthBits: fifthBits,
                                       into: &panels)
            }
        }
        panels.withUnsafeBufferPointer { p in
            body(LinearWeight(.q5Panels(.init(bytes: p.baseAddress!, fifthBits: fifthBits)), outFeatures: m,
                              inFeatures: k))
        }
    }

    /// The dequantized W [m, k] from the blocks, as ggml defines it.
    func dequantized(_ blocks: [UInt8], m: Int, k: Int, fifthBits: Bool) -> [Float] {
        let size = LinearWeight.q5FileBlockBytes(fifthBits: fifthBits)
        return blocks.withUnsafeBytes { bytes in
            (0..<(m * k / 32)).flatMap {
                Q5Quantization.dequantizeBlockNaive(UnsafeRawBufferPointer(rebasing: bytes[($0 * size)..<($0 * size + size)]),
                                                    fifthBits: fifthBits)
            }
        }
    }

    /// sum_i |x_i| (|W[j, i]| + |d| offset) for each (r, j), with slack for the activations' rounding: the terms of
    /// the epilogue (d_w d_x (dot - offset sum)) are each at most about this, so its fp32 rounding is a few ulps of it.
    func magnitudes(_ x: [Float], rows n: Int, k: Int, blocks: [UInt8], m: Int, fifthBits: Bool) -> [Float] {
        let w = dequantized(blocks, m: m, k: k, fifthBits: fifthBits)
        let size = LinearWeight.q5FileBlockBytes(fifthBits: fifthBits), offset: Float = fifthBits ? 16 : 8
        var out = [Float](repeating: 0, count: n * m)
        for r in 0..<n {
            for j in 0..<m {
                for i in 0..<k {
                    let block = j * k / 32 + i / 32
                    let d = abs(Float(Float16(bitPattern: UInt16(blocks[block * size]) | UInt16(blocks[block * size + 1]) << 8)))
                    out[r * m + j] += 1.01 * abs(x[r * k + i]) * (abs(w[j * k + i]) + d * offset)
                }
            }
        }
        return out
    }

    func checkLinear(rows n: Int, k: Int, m: Int, fifthBits: Bool, accumulate: Bool, path: SIMDPath) {
        let blocks = randomBlocks(m: m, k: k, fifthBits: fifthBits)
        var x = random(n * k, scale: 3), b = random(m), start = random(n * m)
        x[k / 2] = 40  // an outlier: a coarse scale for that block of row 0
        var fast = start, naive = start
        withPanels(blocks, m: m, k: k, fifthBits: fifthBits) { weight in
            Matmul.linear(x, rows: n, weight: weight, bias: b, into: &fast, accumulate: accumulate)
        }
        Q5Quantization.linearNaive(x, rows: n, inFeatures: k, blocks: blocks, fifthBits: fifthBits, bias: b,
                                   outFeatures: m, into: &naive, accumulate: accumulate)
        let size = magnitudes(x, rows: n, k: k, blocks: blocks, m: m, fifthBits: fifthBits)
        for i in 0..<fast.count {
            let slack = 1e-6 * (size[i] + abs(start[i]) + abs(b[i % m])) + 1e-6
            XCTAssertEqual(fast[i], naive[i], accuracy: slack,
                           "\(path.name) \(fifthBits ? "Q5_0" : "Q4_0"): rows \(n), k \(k), m \(m), at (\(i / m), \(i % m))")
        }
    }

    /// A row gives the same outputs alone (two panels at once, then the last one) as in a batch of 13 (tiles of
    /// rows from the decoded panels), bit for bit.
    func testRowsGiveTheSameResultAloneAndInABatch() {
        forEachPath { path in
            let n = 13, k = 96, m = 40
            for fifthBits in [true, false] {
                let blocks = randomBlocks(m: m, k: k, fifthBits: fifthBits), x = random(n * k, scale: 3), b = random(m)
                withPanels(blocks, m: m, k: k, fifthBits: fifthBits) { weight in
                    let outputs = batchedAndAlone(x, rows: n, weight: weight, bias: b)
                    XCTAssertEqual(outputs.batched, outputs.alone, "\(path.name), fifth bits \(fifthBits)")
                }
            }
        }
    }

    /// The AVX-VNNI kernel sums the same integers as the AVX2 one and rounds them in the same fp32 steps.
    func testAVXVNNIGivesTheAVX2OutputsBitForBit() throws {
        let k = 96, m = 40
        for fifthBits in [true, false] {
            let blocks = randomBlocks(m: m, k: k, fifthBits: fifthBits), b = random(m)
            for n in [1, 4, 5, 13] {  // one tile, a whole one, tiles of the decoded panel, two activation tiles
                let x = random(n * k, scale: 3)
                let outputs = try onAVX2AndAVXVNNI {
                    var y = [Float](repeating: 0, count: n * m)
                    withPanels(blocks, m: m, k: k, fifthBits: fifthBits) {
                        Matmul.linear(x, rows: n, weight: $0, bias: b, into: &y)
                    }
                    return y
                }
                XCTAssertEqual(outputs.avx2, outputs.avxVNNI, "\(n) rows, fifth bits \(fifthBits)")
            }
        }
    }

    func testQ5LinearMatchesNaiveTwinOnEveryPath() {
        forEachPath { path in
            for n in 1...13 {
                checkLinear(rows: n, k: 32, m: 37, fifthBits: true, accumulate: false, path: path)
                checkLinear(rows: n, k: 96, m: 20, fifthBits: true, accumulate: true, path: path)
            }
            checkLinear(rows: 5, k: 896, m: 300, fifthBits: true, accumulate: false, path: path)
            // Several tiles of activation rows, the last one short (and, on AVX2, split in tiles of 4).
            for n in [24, 29, 42] { checkLinear(rows: n, k: 96, m: 40, fifthBits: true, accumulate: n == 29, path: path) }
        }
    }

    func testQ4LinearMatchesNaiveTwinOnEveryPath() {
        forEachPath { path in
            for n in 1...13 {
                checkLinear(rows: n, k: 64, m: 37, fifthBits: false, accumulate: true, path: path)
                checkLinear(rows: n, k: 160, m: 9, fifthBits: false, accumulate: false, path: path)
            }
            checkLinear(rows: 2, k: 896, m: 130, fifthBits: false, accumulate: false, path: path)
            checkLinear(rows: 31, k: 64, m: 37, fifthBits: false, accumulate: true, path: path)
        }
    }

    /// Against the fp32 product with the dequantized weights: each activation is off by at most half its block's
    /// scale (the weights are exact), so output (r, j) is within sum_b sx_b / 2 sum_{i in b} |W[j, i]| of it, plus
    /// the fp32 rounding bounded as in the twin test.
    func testQ5LinearStaysWithinTheActivationQuantizationBound() {
        for fifthBits in [true, false] {
            let n = 3, k = 256, m = 40
            let blocks = randomBlocks(m: m, k: k, fifthBits: fifthBits)
            var x = random(n * k)
            x[100] = 25
            let w = dequantized(blocks, m: m, k: k, fifthBits: fifthBits)
            let size = magnitudes(x, rows: n, k: k, blocks: blocks, m: m, fifthBits: fifthBits)
            forEachPath { path in
                var fast = [Float](repeating: 0, count: n * m)
                withPanels(blocks, m: m, k: k, fifthBits: fifthBits) {
                    Matmul.linear(x, rows: n, weight: $0, bias: nil, into: &fast)
                }
                for r in 0..<n {
                    for j in 0..<m {
                        var exact = 0.0, bound = Double(1e-6 * size[r * m + j]) + 1e-6
                        for start in stride(from: 0, to: k, by: 32) {
                            let sx = Double(x[(r * k + start)..<(r * k + start + 32)].map(abs).max()!) / 127
                            for i in start..<(start + 32) {
                                exact += Double(x[r * k + i]) * Double(w[j * k + i])
                                bound += sx / 2 * Double(abs(w[j * k + i]))
                            }
                        }
                        XCTAssertLessThanOrEqual(abs(Double(fast[r * m + j]) - exact), bound, "\(path.name) (\(r), \(j))")
                    }
                }
            }
        }
    }

    /// Every row read back from the panels is the blocks' dequantization bit for bit, the byte count is the file's
    /// (5.5 or 4.5 bits a weight, padded to 16 columns), and the padding columns of the last panel stay zero.
    func testQ5PanelsHoldTheBlocksWeightsExactlyAndZeroPadding() {
        for fifthBits in [true, false] {
            let m = 19, k = 128
            let blocks = randomBlocks(m: m, k: k, fifthBits: fifthBits)
            let expected = dequantized(blocks, m: m, k: k, fifthBits: fifthBits)
            withPanels(blocks, m: m, k: k, fifthBits: fifthBits) { weight in
                XCTAssertEqual(weight.byteCount, 32 * k / 32 * LinearWeight.q5FileBlockBytes(fifthBits: fifthBits))
                var row = [Float](repeating: .nan, count: k)
                for j in 0..<m {
                    weight.copyRow(j, into: &row)
                    XCTAssertEqual(row.map(\.bitPattern), expected[(j * k)..<(j * k + k)].map(\.bitPattern), "row \(j)")
                }
                guard case .q5Panels(let p) = weight.storage else { return XCTFail("not Q5 panels") }
                let whole = LinearWeight(.q5Panels(p), outFeatures: 32, inFeatures: k)
                forEachPath { path in
                    var y = [Float](repeating: .nan, count: 32)
                    Matmul.linear(random(k), rows: 1, weight: whole, bias: nil, into: &y)
                    XCTAssertEqual(Array(y[m..<32]), [Float](repeating: 0, count: 32 - m), path.name)
                }
            }
        }
    }

    func testZeroActivationsGiveZeroNotNaN() {
        let m = 20, k = 64
        let blocks = randomBlocks(m: m, k: k, fifthBits: true)
        var x = random(2 * k)
        for i in 0..<k { x[i] = 0 }
        forEachPath { path in
            var y = [Float](repeating: .nan, count: 2 * m)
            withPanels(blocks, m: m, k: k, fifthBits: true) { Matmul.linear(x, rows: 2, weight: $0, bias: nil, into: &y) }
            XCTAssertEqual(Array(y[0..<m]), [Float](repeating: 0, count: m), path.name)
            XCTAssertFalse(y.contains { $0.isNaN }, path.name)
        }
    }
}
