import XCTest
@testable import Kernels

/// The int8 kernels agree with their naive twin on every SIMD path (the integer dot products are exact, so only the
/// fp32 epilogue may differ), and stay within the quantization error of the fp32 product.
final class Int8TwinTests: XCTestCase {
    func random(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale) } }

    /// Runs `body` once per SIMD path this machine can run, then restores the widest.
    func forEachPath(_ body: (SIMDPath) -> Void) {
        defer { SIMDPath.limit(to: .avx512BF16) }
        for path in SIMDPath.runnable {
            XCTAssertEqual(SIMDPath.limit(to: path), path)
            body(path)
        }
    }

    /// W [m, k] quantized into int8 panels, as the model holds it (from [k, m] when `transposed`).
    func withInt8Panels(_ w: [Float], m: Int, k: Int, transposed: Bool = false, _ body: (LinearWeight) -> Void) {
        var panels = [Int8](repeating: 99, count: LinearWeight.int8PanelCount(outFeatures: m, inFeatures: k))
        var scales = [Float](repeating: .nan, count: LinearWeight.int8ColumnCount(outFeatures: m))
        var sums = [Int32](repeating: 7, count: scales.count)
        LinearWeight.packInt8Panels(w, outFeatures: m, inFeatures: k, transposed: transposed, into: &panels,
                                    scales: &scales, sums: &sums)
        panels.withUnsafeBufferPointer { p in
            scales.withUnsafeBufferPointer { s in
                sums.withUnsafeBufferPointer { c in
                    let storage = LinearWeight.Int8Panels(weights: p.baseAddress!, scales: s.baseAddress!,
                                                          sums: c.baseAddress!)
                    body(LinearWeight(.int8Panels(storage), outFeatures: m, inFeatures: k))
                }
            }
        }
    }

    func checkInt8Linear(rows n: Int, k: Int, m: Int, accumulate: Bool, gelu: Bool, path: SIMDPath) {
        let x = random(n * k, scale: 3), w = random(m * k, scale: 0.2), b = random(m), start = random(n * m)
        var fast = start, naive = start
        withInt8Panels(w, m: m, k: k) { weight in
            Matmul.linear(x, rows: n, weight: weight, bias: b, into: &fast, accumulate: accumulate, gelu: gelu)
        }
        Int8Quantization.linearNaive(x, rows: n, inFeatures: k, weight: w, bias: b, outFeatures: m, into: &naive,
                                     accumulate: accumulate)
        if gelu { GELU.applyNaive(&naive, count: naive.count) }
        for i in 0..<fast.count {
            XCTAssertEqual(fast[i], naive[i], accuracy: 1e-5 * max(1, abs(naive[i])),
                           "\(path.name): rows \(n), k \(k), m \(m), at (\(i / m), \(i % m))")
        }
    }

    /// The AVX-VNNI kernel computes the same integer dots as the AVX2 one (with the 128 offset taken out by the column
    /// sums) and rounds them in the same fp32 steps.
    func testAVXVNNIGivesTheAVX2OutputsBitForBit() throws {
        let k = 70, m = 37
        let w = random(m * k, scale: 0.2), b = random(m)
        for n in [1, 4, 9] {
            let x = random(n * k, scale: 3)
            let outputs = try onAVX2AndAVXVNNI {
                var y = [Float](repeating: 0, count: n * m)
                withInt8Panels(w, m: m, k: k) { Matmul.linear(x, rows: n, weight: $0, bias: b, into: &y) }
                return y
            }
            XCTAssertEqual(outputs.avx2, outputs.avxVNNI, "\(n) rows")
        }
    }

    /// A row gives the same outputs alone (two panels at once, then the last one) as in a batch of 13, bit for bit.
    func testRowsGiveTheSameResultAloneAndInABatch() {
        forEachPath { path in
            let n = 13, k = 70, m = 40
            let w = random(m * k, scale: 0.2), x = random(n * k, scale: 3), b = random(m)
            withInt8Panels(w, m: m, k: k) { weight in
                let outputs = batchedAndAlone(x, rows: n, weight: weight, bias: b)
                XCTAssertEqual(outputs.batched, outputs.alone, path.name)
            }
        }
    }

    func testInt8LinearMatchesNaiveTwinOnEveryPath() {
        forEachPath { path in
            for n in [1, 2, 3, 5, 8, 12, 13, 17, 30] {
                checkInt8Linear(rows: n, k: 70, m: 300, accumulate: false, gelu: false, path: path)
                checkInt8Linear(rows: n, k: 64, m: 37, accumulate: true, gelu: false, path: path)
                checkInt8Linear(rows: n, k: 33, m: 80, accumulate: false, gelu: true, path: path)
            }
        }
    }

    /// Full-scale bytes, where a u8 x s8 pair sum would leave int16 (2 x 255 x 127 for q_x + 128, 2 x 127 x 127 for
    /// q_x with the sign trick): every path still computes the exact dots, e.g. k x 127 x 127 for all-+1 operands.
    func testInt8LinearIsExactAtFullScaleActivationsAndWeights() {
        for k in [64, 66] {
            let m = 40, n = 5
            let patterns: [(Int) -> Float] = [
                { _ in 1 }, { _ in -1 }, { $0 % 2 == 0 ? 1 : -1 }, { $0 % 4 < 2 ? -1 : 1 }, { $0 == 3 ? 0 : 1 },
            ]
            var x = [Float](repeating: 0, count: n * k), w = [Float](repeating: 0, count: m * k)
            for r in 0..<n { for i in 0..<k { x[r * k + i] = patterns[r](i) } }
            for j in 0..<m { for i in 0..<k { w[j * k + i] = j < 10 ? patterns[j % 5](i) : -patterns[j % 5](i + j) } }
            var naive = [Float](repeating: 0, count: n * m)
            Int8Quantization.linearNaive(x, rows: n, inFeatures: k, weight: w, bias: nil, outFeatures: m, into: &naive)
            forEachPath { path in
                var fast = [Float](repeating: .nan, count: n * m)
                withInt8Panels(w, m: m, k: k) { Matmul.linear(x, rows: n, weight: $0, bias: nil, into: &fast) }
                XCTAssertEqual(fast[0], Float(k), accuracy: 1e-4, "\(path.name): all +1 times all +1")
                XCTAssertEqual(fast[m + 0], -Float(k), accuracy: 1e-4, "\(path.name): all -1 times all +1")
                XCTAssertEqual(fast[m + 1], Float(k), accuracy: 1e-4, "\(path.name): all -1 times all -1")
                for i in 0..<fast.count {
                    XCTAssertEqual(fast[i], naive[i], accuracy: 1e-5 * max(1, abs(naive[i])),
                                   "\(path.name): k \(k) at (\(i / m), \(i % m))")
                }
            }
        }
    }

    /// Each weight is off by at most half its output's scale and each activation by half its row's scale, so output
    /// (r, j) is off from the fp32 product by at most sum_i |x| sw/2 + |w| sx/2 + sw sx/4 (plus fp32 rounding).
    func testInt8LinearStaysWithinTheQuantizationBoundOfFp32() {
        let n = 4, k = 200, m = 48
        var x = random(n * k), w = random(m * k, scale: 0.1)
        x[5] = 40; w[7] = -2  // outliers: a coarse scale for that row and that output
        var fast = [Float](repeating: 0, count: n * m), exact = fast
        withInt8Panels(w, m: m, k: k) { Matmul.linear(x, rows: n, weight: $0, bias: nil, into: &fast) }
        Matmul.linearNaive(x, rows: n, inFeatures: k, weight: w, bias: nil, outFeatures: m, into: &exact)
        for r in 0..<n {
            let sx = x[r * k..<(r + 1) * k].map(abs).max()! / 127
            for j in 0..<m {
                let sw = w[j * k..<(j + 1) * k].map(abs).max()! / 127
                var bound: Float = 1e-4
                for i in 0..<k { bound += abs(x[r * k + i]) * sw / 2 + abs(w[j * k + i]) * sx / 2 + sw * sx / 4 }
                XCTAssertLessThanOrEqual(abs(fast[r * m + j] - exact[r * m + j]), bound, "(\(r), \(j))")
            }
        }
    }

    func testInt8PanelsHoldEveryQuantizedWeightScalesSumsAndZeroPadding() {
        let m = 19, k = 7  // two panels, the second 3 columns wide; k padded to 8
        let w = random(m * k)
        withInt8Panels(w, m: m, k: k) { weight in
            guard case .int8Panels(let p) = weight.storage else { return XCTFail("not int8 panels") }
            XCTAssertEqual(LinearWeight.int8PanelCount(outFeatures: m, inFeatures: k), 32 * 8)
            for j in 0..<32 {
                let column = j < m ? Int8Quantization.quantizeNaive(w[j * k..<(j + 1) * k]) : (scale: 0, values: [])
                XCTAssertEqual(p.scales[j], column.scale, "scale of \(j)")
                XCTAssertEqual(p.sums[j], column.values.reduce(0, +), "sum of \(j)")
                for i in 0..<8 {
                    let stored = p.weights[((j / 16 * 2 + i / 4) * 16 + j % 16) * 4 + i % 4]
                    XCTAssertEqual(Int32(stored), j < m && i < k ? column.values[i] : 0, "W[\(j)][\(i)]")
                }
            }
        }
    }

    /// A Conv1D weight ([in, out]) packs to the same panels as its transpose in the nn.Linear layout.
    func testTransposedPackingEqualsPackingTheTranspose() {
        let m = 37, k = 21
        let w = random(m * k)
        let wt = (0..<k * m).map { w[($0 % m) * k + $0 / m] }  // wt[i * m + j] = w[j * k + i]
        var x = random(3 * k), a = [Float](repeating: 0, count: 3 * m), b = a
        withInt8Panels(w, m: m, k: k) { Matmul.linear(&x, rows: 3, weight: $0, bias: nil, into: &a) }
        withInt8Panels(wt, m: m, k: k, transposed: true) { Matmul.linear(&x, rows: 3, weight: $0, bias: nil, into: &b) }
        XCTAssertEqual(a, b)
    }

    func testZeroRowsAndZeroColumnsGiveZeroNotNaN() {
        let m = 20, k = 12
        var w = random(m * k)
        for i in 0..<k { w[3 * k + i] = 0 }  // output 3: all-zero weights
        var x = random(2 * k)
        for i in 0..<k { x[i] = 0 }  // row 0: all-zero activations
        var y = [Float](repeating: .nan, count: 2 * m)
        forEachPath { path in
            withInt8Panels(w, m: m, k: k) { Matmul.linear(x, rows: 2, weight: $0, bias: nil, into: &y) }
            XCTAssertEqual(Array(y[0..<m]), [Float](repeating: 0, count: m), path.name)
            XCTAssertEqual(y[m + 3], 0, path.name)
        }
    }
}
