import XCTest
@testable import Model
import ModelFiles
import ModelTestSupport

final class SamplerTests: XCTestCase {
    let logits: [Float] = [0.1, 2.0, -1.0, 1.9, 0.5, -3.0]

    func testZeroTemperatureIsGreedy() {
        var s = Sampler(.init(temperature: 0, seed: 7))
        XCTAssertEqual((0..<5).map { _ in s.sample(logits) }, [1, 1, 1, 1, 1])
    }

    func testSameSeedGivesSameTokensAndDifferentSeedsDiffer() {
        func run(_ seed: UInt64) -> [Int] {
            var s = Sampler(.init(temperature: 1.5, seed: seed))
            return (0..<40).map { _ in s.sample(logits) }
        }
        XCTAssertEqual(run(42), run(42))
        XCTAssertNotEqual(run(42), run(43))
    }

    func testSplitMixSequenceIsPlatformIndependent() {
        // SplitMix64 reference values for seed 0 (from the published algorithm).
        var s = Sampler(.init(seed: 0))
        XCTAssertEqual(s.nextUInt64(), 0xe220_a839_7b1d_cdaf)
        XCTAssertEqual(s.nextUInt64(), 0x6e78_9e6a_a1b9_65f4)
    }

    func testTopKOnlyPicksTheKMostLikely() {
        var s = Sampler(.init(temperature: 5, topK: 2, seed: 1))
        let picked = Set((0..<200).map { _ in s.sample(logits) })
        XCTAssertEqual(picked, [1, 3])
    }

    func testTopPKeepsTheSmallestSetReachingP() {
        // Softmax at T=1: token 1 ~ 0.42, token 3 ~ 0.38; together they pass 0.75.
        var s = Sampler(.init(temperature: 1, topP: 0.75, seed: 3))
        XCTAssertEqual(Set((0..<200).map { _ in s.sample(logits) }), [1, 3])
        var one = Sampler(.init(temperature: 1, topP: 0.1, seed: 3))
        XCTAssertEqual(Set((0..<50).map { _ in one.sample(logits) }), [1])
    }

    func testSamplingFollowsTheDistribution() {
        var s = Sampler(.init(temperature: 1, seed: 9))
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<20000 { counts[s.sample(logits)] += 1 }
        let z = logits.map { Foundation.exp(Double($0)) }.reduce(0, +)
        for i in logits.indices {
            XCTAssertEqual(Double(counts[i]) / 20000, Foundation.exp(Double(logits[i])) / z, accuracy: 0.015)
        }
    }

    func testLogProbabilityIsLogSoftmax() {
        let z = logits.map { Foundation.exp(Double($0)) }.reduce(0, +)
        // Within the error of the vectorised float exp it uses (relative 2e-7).
        XCTAssertEqual(Sampler.logProbability(of: 3, in: logits), Double(logits[3]) - Foundation.log(z), accuracy: 1e-6)
    }

    func testStopStringCutsAtTheEarliestMatch() {
        let text = "return x\n\ndef next():"
        XCTAssertEqual(StopCheck.cut(text, stops: ["def", "\n\n"]).map { String(text[..<$0]) }, "return x")
        XCTAssertNil(StopCheck.cut(text, stops: ["class"]))
        XCTAssertTrue(StopCheck.isEnd(50256, eos: 50256))
        XCTAssertFalse(StopCheck.isEnd(11, eos: 50256))
    }
}
