import CKernels
import XCTest
@testable import Kernels

/// Each fast kernel agrees with its naive twin on random inputs, including sizes that are not multiples of 16.
final class KernelTwinTests: XCTestCase {
    var rng = SystemRandomNumberGenerator()

    func random(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale) } }

    func maxDiff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }

    /// Runs `body` once per SIMD path this machine can run (portable C, AVX2, AVX-512, AVX-512 BF16), then
    /// restores the widest.
    func forEachPath(_ body: (SIMDPath) -> Void) {
        defer { SIMDPath.limit(to: .avx512BF16) }
        for path in SIMDPath.runnable {
            XCTAssertEqual(SIMDPath.limit(to: path), path)
            body(path)
        }
    }

    func testF32PanelsMatchNaiveWithoutBias() {
        forEachPath { path in
            let x = random(3 * 50), w = random(260 * 50)
            var fast = [Float](repeating: 0, count: 3 * 260), naive = fast
            withF32Panels(w, m: 260, k: 50) { weight in
                Matmul.linear(x, rows: 3, weight: weight, bias: nil, into: &fast)
            }
            Matmul.linearNaive(x, rows: 3, inFeatures: 50, weight: w, bias: nil, outFeatures: 260, into: &naive)
            XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-4, path.name)
        }
    }

    /// bf16 weights: the naive twin runs in Double on the same rounded weights. Paths that widen the weights keep
    /// activations in fp32 (1e-4); AVX-512 BF16 also rounds each activation to bf16 (relative error <= 2^-9), so
    /// output (r, j) may be off by 2^-9 * sum_i |x[r, i] w[j, i]| more (GELU's slope is at most 1.13).
    func checkBF16Linear(rows n: Int, k: Int, m: Int, accumulate: Bool, gelu: Bool, path: SIMDPath) {
        let x = random(n * k), w = random(m * k), b = random(m), start = random(n * m)
        let widened = w.map { BF16.widenNaive(BF16.roundNaive($0)) }
        var fast = start, naive = start
        withPanels(w, m: m, k: k) { weight in
            Matmul.linear(x, rows: n, weight: weight, bias: b, into: &fast, accumulate: accumulate, gelu: gelu)
        }
        Matmul.linearNaive(x, rows: n, inFeatures: k, weight: widened, bias: b, outFeatures: m, into: &naive,
                           accumulate: accumulate)
        if gelu { GELU.applyNaive(&naive, count: naive.count) }
        for r in 0..<n {
            for j in 0..<m {
                var bound: Float = 1e-4
                if path == .avx512BF16 {
                    let magnitude = (0..<k).reduce(Float(0)) { $0 + abs(x[r * k + $1] * widened[j * k + $1]) }
                    bound += 1.13 * magnitude / 512
                }
                XCTAssertLessThanOrEqual(abs(fast[r * m + j] - naive[r * m + j]), bound,
                                         "\(path.name): rows \(n), k \(k), m \(m), at (\(r), \(j))")
            }
        }
    }

    func testBF16LinearMatchesNaiveOnRoundedWeightsOnEveryPath() {
        forEachPath { path in
            for n in [1, 2, 3, 5, 8, 9, 13, 16, 17, 40] {
                checkBF16Linear(rows: n, k: 70, m: 300, accumulate: false, gelu: false, path: path)
                checkBF16Linear(rows: n, k: 64, m: 37, accumulate: true, gelu: false, path: path)
                checkBF16Linear(rows: n, k: 33, m: 80, accumulate: false, gelu: true, path: path)
            }
        }
    }

    /// W [m, k] rounded into bf16 panels, as the model holds it.
    func withPanels(_ w: [Float], m: Int, k: Int, _ body: (LinearWeight) -> Void) {
        var panels = [UInt16](repeating: 0, count: LinearWeight.panelCount(outFeatures: m, inFeatures: k))
        LinearWeight.packPanels(w, outFeatures: m, inFeatures: k, into: &panels)
        panels.withUnsafeBufferPointer { body(LinearWeight(.bf16Panels($0.baseAddress!), outFeatures: m, inFeatures: k)) }
    }

    func testBF16PanelsHoldEveryWeightRoundedAndZeroPadding() {
        let m = 19, k = 7  // two panels, the second 3 columns wide; k odd
        let w = random(m * k)
        var panels = [UInt16](repeating: 0xffff, count: LinearWeight.panelCount(outFeatures: m, inFeatures: k))
        XCTAssertEqual(panels.count, 32 * 8)
        LinearWeight.packPanels(w, outFeatures: m, inFeatures: k, into: &panels)
        for p in 0..<2 {
            for kk in 0..<4 {
                for c in 0..<16 {
                    for e in 0..<2 {
                        let j = p * 16 + c, i = 2 * kk + e
                        let expected = j < m && i < k ? BF16.roundNaive(w[j * k + i]) : 0
                        XCTAssertEqual(panels[((p * 4 + kk) * 16 + c) * 2 + e], expected, "W[\(j)][\(i)]")
                    }
                }
            }
        }
    }

    /// W [m, k] copied into fp32 panels, as the model holds it.
    func withF32Panels(_ w: [Float], m: Int, k: Int, _ body: (LinearWeight) -> Void) {
        var panels = [Float](repeating: .nan, count: LinearWeight.f32PanelCount(outFeatures: m, inFeatures: k))
        LinearWeight.packF32Panels(w, outFeatures: m, inFeatures: k, into: &panels)
        panels.withUnsafeBufferPointer { body(LinearWeight(.f32Panels($0.baseAddress!), outFeatures: m, inFeatures: k)) }
    }

    func testF32PanelsHoldEveryWeightAndZeroPadding() {
        let m = 19, k = 7
        let w = random(m * k)
        var panels = [Float](repeating: .nan, count: LinearWeight.f32PanelCount(outFeatures: m, inFeatures: k))
        XCTAssertEqual(panels.count, 32 * 7)
        LinearWeight.packF32Panels(w, outFeatures: m, inFeatures: k, into: &panels)
        for p in 0..<2 {
            for i in 0..<k {
                for c in 0..<16 {
                    let j = p * 16 + c
                    XCTAssertEqual(panels[(p * k + i) * 16 + c], j < m ? w[j * k + i] : 0, "W[\(j)][\(i)]")
                }
            }
        }
    }

    /// A tied head's fp32 panels serve the token embedding lookups: every row must come back exactly.
    func testEveryRowReadBackFromF32PanelsEqualsTheRowPacked() {
        let m = 37, k = 9
        let w = random(m * k)
        withF32Panels(w, m: m, k: k) { weight in
            var row = [Float](repeating: .nan, count: k)
            for j in 0..<m {
                weight.copyRow(j, into: &row)
                XCTAssertEqual(row, Array(w[j * k..<(j + 1) * k]), "row \(j)")
            }
        }
    }

    /// A Conv1D weight ([in, out]) packs to the same panels as its transpose does.
    func testPanelsFromTransposedWeightsEqualPanelsFromRows() {
        let m = 37, k = 9
        let w = random(m * k)
        let wt = (0..<(k * m)).map { w[($0 % m) * k + $0 / m] }  // wt[i][j] = w[j][i]
        var a = [Float](repeating: 0, count: LinearWeight.f32PanelCount(outFeatures: m, inFeatures: k)), b = a
        LinearWeight.packF32Panels(w, outFeatures: m, inFeatures: k, into: &a)
        LinearWeight.packF32Panels(wt, outFeatures: m, inFeatures: k, transposed: true, into: &b)
        XCTAssertEqual(a, b)
        var c = [UInt16](repeating: 0, count: LinearWeight.panelCount(outFeatures: m, inFeatures: k)), d = c
        LinearWeight.packPanels(w, outFeatures: m, inFeatures: k, into: &c)
        LinearWeight.packPanels(wt, outFeatures: m, inFeatures: k, transposed: true, into: &d)
        XCTAssertEqual(c, d)
    }

    func testF32PanelsMatchNaiveOnEveryPath() {
        forEachPath { path in
            for n in [1, 2, 3, 5, 6, 7, 8, 9, 12, 13, 25, 33] {
                for (k, m, accumulate, gelu) in [(70, 300, false, false), (64, 37, true, false), (33, 80, false, true)] {
                    let x = random(n * k), w = random(m * k), b = random(m), start = random(n * m)
                    var fast = start, naive = start
                    withF32Panels(w, m: m, k: k) { weight in
                        Matmul.linear(x, rows: n, weight: weight, bias: b, into: &fast, accumulate: accumulate,
                                      gelu: gelu)
                    }
                    Matmul.linearNaive(x, rows: n, inFeatures: k, weight: w, bias: b, outFeatures: m, into: &naive,
                                       accumulate: accumulate)
                    if gelu { GELU.applyNaive(&naive, count: naive.count) }
                    XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-4, "\(path.name): rows \(n), k \(k), m \(m)")
                }
            }
        }
    }

    /// A row gives the same outputs alone as in a batch of 30 (tiles of 12 rows, then 6), bit for bit, with bf16
    /// and fp32 panels.
    func testPanelRowsGiveTheSameResultAloneAndInABatch() {
        forEachPath { path in
            let n = 30, k = 45, m = 70
            let x = random(n * k), w = random(m * k), b = random(m)
            for pack in [withPanels, withF32Panels] {
                pack(w, m, k) { weight in
                    let outputs = batchedAndAlone(x, rows: n, weight: weight, bias: b)
                    XCTAssertEqual(outputs.batched, outputs.alone, path.name)
                }
            }
        }
    }

    func testLinearFusesGELUAfterBiasAndAccumulation() {
        forEachPath { path in
            for n in [2, 20] {
                let k = 40, m = 96
                let x = random(n * k), w = random(m * k), b = random(m)
                var fast = [Float](repeating: 0, count: n * m), naive = fast
                withF32Panels(w, m: m, k: k) { weight in
                    Matmul.linear(x, rows: n, weight: weight, bias: b, into: &fast, gelu: true)
                }
                Matmul.linearNaive(x, rows: n, inFeatures: k, weight: w, bias: b, outFeatures: m, into: &naive)
                GELU.applyNaive(&naive, count: naive.count)
                XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-4, "\(path.name): rows \(n)")
            }
        }
    }

    /// Packing rounds each weight as the naive twin does, ties to even and NaN, infinities and extremes included.
    func testBF16PanelRoundingMatchesNaiveTwinIncludingTiesAndSpecials() {
        var values: [Float] = random(1000, scale: 1e3) + [0, -0, 1, -1, .infinity, -.infinity, .nan,
                                                            .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        // Exact ties: the low 16 bits are 0x8000, with even and odd upper halves.
        values += [Float(bitPattern: 0x3f80_8000), Float(bitPattern: 0x3f81_8000), Float(bitPattern: 0xbf80_8000)]
        // One input feature: W[j][0] sits at element 2j of the panels (input pairs interleaved, the pair's second
        // element zero padding).
        let m = values.count
        var panels = [UInt16](repeating: 0xffff, count: LinearWeight.panelCount(outFeatures: m, inFeatures: 1))
        LinearWeight.packPanels(values, outFeatures: m, inFeatures: 1, into: &panels)
        for (j, v) in values.enumerated() {
            XCTAssertEqual(panels[2 * j], BF16.roundNaive(v), "\(v)")
            XCTAssertEqual(panels[2 * j + 1], 0, "padding after \(v)")
            if v.isNaN { XCTAssertTrue(BF16.widenNaive(panels[2 * j]).isNaN) }
        }
        XCTAssertEqual(BF16.roundNaive(Float(bitPattern: 0x3f80_8000)), 0x3f80)  // tie to even: stays
        XCTAssertEqual(BF16.roundNaive(Float(bitPattern: 0x3f81_8000)), 0x3f82)  // tie to even: up
        XCTAssertEqual(BF16.widenNaive(0x3f82).bitPattern, 0x3f82_0000)
    }

    /// The activations rounded for vdpbf16ps are the naive twin's bits on every path: ties, NaN (quietened),
    /// subnormals (kept, not flushed), and a zero after each row of odd length.
    func testBF16ActivationsAreTheNaiveRoundingOnEveryPath() {
        let specials: [Float] = [0, -0, .infinity, -.infinity, .nan, .greatestFiniteMagnitude, .leastNonzeroMagnitude,
                                 -Float.leastNormalMagnitude / 3, Float(bitPattern: 0x3f80_8000),
                                 Float(bitPattern: 0x3f81_8000), Float(bitPattern: 0x7f80_0001)]
        let k = 37, n = 27, kp = k + 1
        let values = specials + random(n * k - specials.count, scale: 1e3)
        forEachPath { path in
            var rounded = [UInt16](repeating: 0xffff, count: n * kp)
            gk_activations_bf16(values, n, k, &rounded)
            for r in 0..<n {
                for i in 0..<k {
                    XCTAssertEqual(rounded[r * kp + i], BF16.roundNaive(values[r * k + i]),
                                   "\(path.name): \(values[r * k + i]) at (\(r), \(i))")
                }
                XCTAssertEqual(rounded[r * kp + k], 0, "\(path.name): padding of row \(r)")
            }
        }
    }

    func testLayerNormMatchesNaive() {
        forEachPath { path in
            for c in [48, 50, 768] {
                let x = random(3 * c, scale: 4), g = random(c), b = random(c)
                var fast = [Float](repeating: 0, count: 3 * c), naive = fast
                LayerNorm.apply(x, rows: 3, channels: c, gain: g, bias: b, epsilon: 1e-5, into: &fast)
                LayerNorm.applyNaive(x, rows: 3, channels: c, gain: g, bias: b, epsilon: 1e-5, into: &naive)
                XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-5, "\(path.name): C = \(c)")
            }
        }
    }

    func testGELUMatchesNaiveAcrossTheRange() {
        forEachPath { path in
            var fast = (0..<1003).map { Float($0 - 501) / 40 }  // -12.5 ... 12.5
            var naive = fast
            GELU.apply(&fast, count: fast.count)
            GELU.applyNaive(&naive, count: naive.count)
            XCTAssertLessThanOrEqual(maxDiff(fast, naive), 2e-6, path.name)
        }
    }

    func testSoftmaxMatchesNaiveAndSumsToOne() {
        forEachPath { path in
            for n in [1, 7, 8, 9, 15, 16, 17, 300] {
                var fast = random(n, scale: 30), naive = fast
                Softmax.apply(&fast, count: n)
                Softmax.applyNaive(&naive, count: n)
                XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-6, "\(path.name): n = \(n)")
                XCTAssertEqual(fast.reduce(0, +), 1, accuracy: 1e-5)
            }
        }
    }

    func testExpIsAccurateAndClamped() {
        forEachPath { path in
            var v = (0..<21).map { Float($0) * 5 - 50 }  // not a multiple of 8 or 16: the tails too
            let exact = v.map { Foundation.exp($0) }
            VectorMath.exp(&v, count: v.count)
            for i in 0..<v.count { XCTAssertEqual(v[i] / exact[i], 1, accuracy: 1e-6, "\(path.name)") }
            var extremes: [Float] = [1000, -1000, 88, -87]
            VectorMath.exp(&extremes, count: extremes.count)
            XCTAssertTrue(extremes[0].isFinite, path.name)
            XCTAssertEqual(extremes[1], 0, accuracy: 1e-37)
        }
    }

    func testSIMDPathIsDetectedAndCanBeLowered() {
        XCTAssertTrue(SIMDPath.runnable.contains(.portable))
        #if arch(x86_64)
        XCTAssertGreaterThanOrEqual(SIMDPath.supported, .avx2, "the package is built for AVX2 CPUs")
        #endif
        defer { SIMDPath.limit(to: .avx512BF16) }
        XCTAssertEqual(SIMDPath.limit(to: .portable), .portable)
        XCTAssertEqual(SIMDPath.active, .portable)
        XCTAssertEqual(SIMDPath.limit(to: .avx512BF16), SIMDPath.supported, "never above what the CPU has")
    }

    /// AVX-VNNI is its own flag, not implied by AVX-512 (Ice Lake and Zen 4 have AVX-512 VNNI without it): the path
    /// runs exactly where the kernel reports the flag, and asking for it elsewhere gives AVX2.
    func testAVXVNNIPathRunsExactlyWhereTheCPUReportsAVXVNNI() throws {
        #if os(Linux) && arch(x86_64)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        guard let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            throw XCTSkip("no flags line in /proc/cpuinfo")
        }
        let hasAVXVNNI = flags.split(separator: " ").contains("avx_vnni")
        defer { SIMDPath.limit(to: .avx512BF16) }
        XCTAssertEqual(SIMDPath.runnable.contains(.avxVNNI), hasAVXVNNI)
        XCTAssertEqual(SIMDPath.limit(to: .avxVNNI), hasAVXVNNI ? .avxVNNI : .avx2)
        #else
        throw XCTSkip("reads the CPU's flags from Linux's /proc/cpuinfo")
        #endif
    }
}
