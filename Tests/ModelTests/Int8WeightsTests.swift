import Kernels
import XCTest
@testable import Model
import ModelFiles
import ModelTestSupport

/// int8 weights (`--weights int8`) stay close to fp32 on every fixture, on every SIMD path: logits within a few
/// percent of the model's logit range (the largest max - min of an fp32 output row over the fixture's prompts),
/// and greedy decoding departs from the reference only at near-ties.
///
/// Measured on the fixtures (random weights, so no outlier channels): max |int8 - f32| is up to 1.9% of that range.
final class Int8WeightsTests: XCTestCase {
    static let tolerance: Float = 0.03  // of the model's logit range

    override func tearDown() { SIMDPath.limit(to: .avx512BF16) }

    func models(_ ref: Reference.Model) throws -> (f32: GPTModel, int8: GPTModel) {
        let url = Reference.fixtures.appendingPathComponent(ref.path)
        return (try GPTModel.load(from: url, heads: Reference.heads(ref.name)),
                try GPTModel.load(from: url, heads: Reference.heads(ref.name), weights: .int8))
    }

    func lastLogits(_ model: GPTModel, _ tokens: [Int]) throws -> [Float] {
        try TestSequence(model: model, pool: TestKVPool(for: model, blockSize: 16, byteBudget: 8 << 20)).append(tokens)
    }

    func testInt8LogitsStayWithinTheToleranceOfTheLogitRangeOnEveryFixtureAndPath() throws {
        for ref in Reference.models {
            let (f32, int8) = try models(ref)
            XCTAssertEqual(int8.weightFormat, .int8)
            XCTAssertLessThan(int8.weightBytesPerStep, f32.weightBytesPerStep * 3 / 10, ref.name)
            let exact = try ref.prompts.map { try lastLogits(f32, $0) }
            let range = exact.map { $0.max()! - $0.min()! }.max()!
            for path in SIMDPath.runnable {
                SIMDPath.limit(to: path)
                for (prompt, exactRow) in zip(ref.prompts, exact) {
                    let diff = Reference.maxAbsDiff(exactRow, try lastLogits(int8, prompt))
                    XCTAssertLessThanOrEqual(diff, Self.tolerance * range,
                                             "\(ref.name), \(path.name), prompt of \(prompt.count) tokens")
                }
            }
        }
    }

    /// Teacher-forced along the reference's greedy tokens: at each step int8 picks the reference token, or a token
    /// whose fp32 logit is within the tolerance of the reference token's (a near-tie of a random model).
    func testInt8GreedyTokensDifferOnlyAtNearTies() throws {
        for ref in Reference.models where ref.greedyPrompt != nil {
            let (f32, int8) = try models(ref)
            let exactSession = TestSequence(model: f32, pool: TestKVPool(config: f32.config, capacityBlocks: 64))
            let session = TestSequence(model: int8, pool: TestKVPool(for: int8, blockSize: 16, byteBudget: 8 << 20))
            var exact = try exactSession.append(ref.greedyPrompt!), approximate = try session.append(ref.greedyPrompt!)
            var agreed = 0
            for (step, token) in ref.greedyTokens!.enumerated() {
                let pick = approximate.indices.max { approximate[$0] < approximate[$1] }!
                let range = exact.max()! - exact.min()!
                if pick == token { agreed += 1 }
                XCTAssertLessThanOrEqual(exact[token] - exact[pick], Self.tolerance * range,
                                         "\(ref.name), step \(step): int8 picks \(pick), reference \(token)")
                exact = try exactSession.append([token])
                approximate = try session.append([token])
            }
            XCTAssertGreaterThanOrEqual(agreed, ref.greedyTokens!.count * 3 / 4, ref.name)
        }
    }

    /// int8 models keep keys and values in bf16, and a tied head's embedding lookups read an fp32 table (the int8
    /// panels hold rounded weights), so the first token's embedding is wte's row exactly.
    func testInt8ModelsUseBF16KeysAndValuesAndAnExactEmbeddingTable() throws {
        let ref = Reference.models.first { $0.name.hasPrefix("hf") } ?? Reference.models[0]
        let (f32, int8) = try models(ref)
        XCTAssertEqual(KVBlockPool.element(for: int8), .bf16)
        if case .tiedHead = int8.tokenEmbedding { XCTFail("an int8 head cannot serve embedding lookups") }
        let c = f32.config.nEmbd
        var exact = [Float](repeating: 0, count: c), looked = [Float](repeating: .nan, count: c)
        for token in [0, 1, f32.config.vocabSize - 1] {
            f32.tokenEmbedding.copyRow(token, into: &exact)
            int8.tokenEmbedding.copyRow(token, into: &looked)
            XCTAssertEqual(looked, exact, "token \(token)")
        }
    }
}
