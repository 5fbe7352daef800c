import XCTest
@testable import Kernels

/// The kernels of Llama-style decoders (RMSNorm, rotary positions, SwiGLU) agree with their naive twins.
final class DecoderKernelTwinTests: XCTestCase {
    func random(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale) } }
    func maxDiff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }

    func testRMSNormMatchesNaive() {
        for c in [64, 37, 896] {  // SIMD chunks only, a tail, a Qwen2.5 width
            let x = random(3 * c, scale: 3), gain = random(c)
            var fast = [Float](repeating: 0, count: 3 * c), naive = fast
            RMSNorm.apply(x, rows: 3, channels: c, gain: gain, epsilon: 1e-6, into: &fast)
            RMSNorm.applyNaive(x, rows: 3, channels: c, gain: gain, epsilon: 1e-6, into: &naive)
            XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-5, "C \(c)")
        }
    }

    func testRMSNormOfAConstantRowIsItsGain() {
        let c = 8, gain: [Float] = (0..<8).map { Float($0) }
        var y = [Float](repeating: 0, count: c)
        RMSNorm.apply([Float](repeating: -2, count: c), rows: 1, channels: c, gain: gain, epsilon: 0, into: &y)
        XCTAssertEqual(y, gain.map { -$0 })
    }

    func testRotaryMatchesNaiveAndKeepsNorms() {
        let d = 32, heads = 3
        let inv = Rotary.inverseFrequencies(headSize: d, theta: 10000)
        for position in [0, 1, 17, 4000] {
            var fast = random(heads * d), naive = fast
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: d)
            defer { scratch.deallocate() }
            let before = fast
            Rotary.apply(&fast, heads: heads, headSize: d, position: position, inverseFrequencies: inv,
                         scratch: scratch)
            Rotary.applyNaive(&naive, heads: heads, headSize: d, position: position, inverseFrequencies: inv)
            XCTAssertLessThanOrEqual(maxDiff(fast, naive), 1e-5, "position \(position)")
            if position == 0 { XCTAssertEqual(fast, before) }
            let norm = { (v: [Float]) in v.reduce(0) { $0 + $1 * $1 } }
            XCTAssertEqual(norm(fast), norm(before), accuracy: 1e-3)
        }
    }

    /// Llama 3's scaling: the highest frequency is kept, the lowest divided by the factor, one in between blended.
    func testLlama3ScalingSplitsTheFrequencyBands() {
        let plain = Rotary.inverseFrequencies(headSize: 16, theta: 10000)
        let scaled = Rotary.inverseFrequencies(headSize: 16, theta: 10000, factor: 8, lowFrequencyFactor: 1,
                                               highFrequencyFactor: 4, originalContext: 32)
        XCTAssertEqual(scaled[0], plain[0])                       // wavelength 6.3 < 32 / 4
        XCTAssertEqual(scaled[7], plain[7] / 8, accuracy: 1e-9)   // wavelength far beyond 32
        XCTAssertLessThan(scaled[1], plain[1])                    // wavelength 19.9: blended
        XCTAssertGreaterThan(scaled[1], plain[1] / 8)
    }

    /// A GGUF file's per-frequency divisors, computed from the llama3 formula as convert_hf_to_gguf.py does, give
    /// the formula's frequencies.
    func testFrequencyFactorsGiveTheLlama3Frequencies() {
        let plain = Rotary.inverseFrequencies(headSize: 16, theta: 10000)
        let scaled = Rotary.inverseFrequencies(headSize: 16, theta: 10000, factor: 8, lowFrequencyFactor: 1,
                                               highFrequencyFactor: 4, originalContext: 32)
        let factors = zip(plain, scaled).map { $0 / $1 }
        let divided = Rotary.inverseFrequencies(headSize: 16, theta: 10000, dividedBy: factors)
        for i in plain.indices { XCTAssertEqual(divided[i], scaled[i], accuracy: scaled[i] * 1e-6) }
        XCTAssertEqual(factors.first, 1)
        XCTAssertEqual(factors.last!, 8, accuracy: 1e-5)
    }

    /// Every SIMD path; widths with and without a vector tail; one row, and enough rows to be split over threads.
    func testSwiGLUMatchesNaiveOnEveryPath() {
        defer { SIMDPath.limit(to: .avx512BF16) }
        for (rows, f) in [(2, 45), (1, 4864), (19, 64), (20, 7)] {
            let x = random(rows * 2 * f, scale: 6)
            var naive = [Float](repeating: 0, count: rows * f)
            SwiGLU.applyNaive(x, rows: rows, width: f, into: &naive)
            for path in SIMDPath.runnable {
                SIMDPath.limit(to: path)
                for threads in [1, 2] {
                    var fast = [Float](repeating: .nan, count: rows * f)
                    SwiGLU.apply(x, rows: rows, width: f, into: &fast, threads: threads)
                    // Products up to 36: the exp polynomial's relative error, not an absolute one.
                    XCTAssertFalse(fast.contains { !$0.isFinite }, "\(rows) x \(f), \(path.name)")
                    let worst = zip(fast, naive).map { abs($0 - $1) / max(1, abs($1)) }.max()!
                    XCTAssertLessThanOrEqual(worst, 1e-5, "\(rows) x \(f), \(path.name), threads \(threads)")
                }
            }
        }
    }
}
