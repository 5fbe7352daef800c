import Kernels
import XCTest
@testable import Model
import ModelFiles
import ModelTestSupport

/// bf16 weights (`--weights bf16`) stay close to fp32 on every fixture: logits within 1% of the model's logit range
/// (the largest max - min of an fp32 output row over the fixture's prompts), and greedy decoding departs from the
/// reference only at near-ties.
///
/// Measured on the fixtures: max |bf16 - f32| is 0.2-0.4% of that range with AVX-512 BF16 (activations rounded to
/// bf16 too) and 0.1-0.25% on the paths that keep activations in fp32.
final class BF16WeightsTests: XCTestCase {
    static let tolerance: Float = 0.01  // of the model's logit range

    override func tearDown() { SIMDPath.limit(to: .avx512BF16) }

    func models(_ ref: Reference.Model) throws -> (f32: GPTModel, bf16: GPTModel) {
        let url = Reference.fixtures.appendingPathComponent(ref.path)
        return (try GPTModel.load(from: url, heads: Reference.heads(ref.name)),
                try GPTModel.load(from: url, heads: Reference.heads(ref.name), weights: .bf16))
    }

    func lastLogits(_ model: GPTModel, _ tokens: [Int]) throws -> [Float] {
        try TestSequence(model: model, pool: TestKVPool(config: model.config, capacityBlocks: 64)).append(tokens)
    }

    func testBF16LogitsStayWithinOnePercentOfTheLogitRangeOnEveryFixtureAndPath() throws {
        for ref in Reference.models {
            let (f32, bf16) = try models(ref)
            XCTAssertEqual(bf16.weightFormat, .bf16)
            XCTAssertLessThan(bf16.weightBytesPerStep, f32.weightBytesPerStep * 6 / 10, ref.name)
            for path in SIMDPath.runnable {
                SIMDPath.limit(to: path)
                let exact = try ref.prompts.map { try lastLogits(f32, $0) }
                let range = exact.map { $0.max()! - $0.min()! }.max()!
                for (prompt, exactRow) in zip(ref.prompts, exact) {
                    XCTAssertLessThanOrEqual(Reference.maxAbsDiff(exactRow, try lastLogits(bf16, prompt)),
                                             Self.tolerance * range,
                                             "\(ref.name), \(path.name), prompt of \(prompt.count) tokens")
                }
            }
        }
    }

    /// Teacher-forced along the reference's greedy tokens: at each step bf16 picks the reference token, or a token
    /// whose fp32 logit is within the tolerance of the reference token's (a near-tie of a random model).
    func testBF16GreedyTokensDifferOnlyAtNearTies() throws {
        for ref in Reference.models where ref.greedyPrompt != nil {
            let (f32, bf16) = try models(ref)
            let exactSession = TestSequence(model: f32, pool: TestKVPool(config: f32.config, capacityBlocks: 64))
            let session = TestSequence(model: bf16, pool: TestKVPool(config: bf16.config, capacityBlocks: 64))
            var exact = try exactSession.append(ref.greedyPrompt!), approximate = try session.append(ref.greedyPrompt!)
            var agreed = 0
            for (step, token) in ref.greedyTokens!.enumerated() {
                let pick = argmax(approximate), range = exact.max()! - exact.min()!
                if pick == token { agreed += 1 }
                XCTAssertLessThanOrEqual(exact[token] - exact[pick], Self.tolerance * range,
                                         "\(ref.name), step \(step): bf16 picks \(pick), reference \(token)")
                exact = try exactSession.append([token])
                approximate = try session.append([token])
            }
            XCTAssertGreaterThanOrEqual(agreed, ref.greedyTokens!.count * 3 / 4, ref.name)
        }
    }

    /// A bf16 KV cache (what bf16 models use) moves fp32 logits by less than the tolerance too.
    func testBF16KeysAndValuesStayWithinTheTolerance() throws {
        for ref in Reference.models {
            let (f32, _) = try models(ref)
            let exact = try ref.prompts.map { try lastLogits(f32, $0) }
            let range = exact.map { $0.max()! - $0.min()! }.max()!
            for (prompt, exactRow) in zip(ref.prompts, exact) {
                let pool = TestKVPool(config: f32.config, capacityBlocks: 64, element: .bf16)
                let approximate = try TestSequence(model: f32, pool: pool).append(prompt)
                XCTAssertLessThanOrEqual(Reference.maxAbsDiff(exactRow, approximate), Self.tolerance * range,
                                         "\(ref.name), prompt of \(prompt.count) tokens")
            }
        }
    }

    func testWeightsStoredInBF16AreNotChangedByBF16Loading() throws {
        // The bf16 fixture's weights are already bf16, so packing them loses nothing: on a path that keeps
        // activations in fp32 the two loadings agree to float rounding.
        let ref = Reference.model("book-b-bias-bf16")
        let (f32, bf16) = try models(ref)
        SIMDPath.limit(to: .avx2)
        for prompt in ref.prompts {
            XCTAssertLessThanOrEqual(Reference.maxAbsDiff(try lastLogits(f32, prompt), try lastLogits(bf16, prompt)),
                                     1e-5)
        }
    }
}
