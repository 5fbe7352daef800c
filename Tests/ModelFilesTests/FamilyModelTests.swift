import Foundation
import XCTest
@testable import Model
import ModelFiles
import ModelTestSupport

/// Llama 3 (llama3 rope scaling, untied head), Qwen2 (QKV bias, tied head, two shards) and Qwen3 (QK norms, head
/// size apart from the width) directories written by training/fixtures/make_family_fixtures.py give transformers'
/// logits at every position, its greedy tokens, and the same logits decoding one token at a time through the pool.
/// The book package's Llama3Model and Qwen3Model, saved as `.pth` state dicts with a `.json` configuration beside
/// them, give the book's logits.
final class FamilyModelTests: XCTestCase {
    struct Sequence { var tokens: [Int]; var logits: [[Float]]; var greedy: [Int] }

    static let references: [String: [Sequence]] = {
        let url = Reference.fixtures.appendingPathComponent("family-reference.json")
        let json = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: [String: Any]]
        return json.mapValues { model in
            (model["sequences"] as! [[String: Any]]).map { s in
                Sequence(tokens: s["tokens"] as! [Int],
                         logits: (s["logits"] as! [[Double]]).map { $0.map(Float.init) },
                         greedy: s["greedy"] as! [Int])
            }
        }
    }()

    func load(_ name: String, weights: WeightFormat = .f32) throws -> GPTModel {
        try GPTModel.load(from: Reference.fixtures.appendingPathComponent(name), weights: weights)
    }

    /// The largest |ours - transformers'| over all positions of all sequences, as a fraction of each sequence's
    /// logit range.
    func worstError(_ model: GPTModel, _ name: String) throws -> Float {
        var worst: Float = 0
        for sequence in Self.references[name]! {
            let pool = TestKVPool(for: model, blockSize: 4, capacityBlocks: 16)
            let run = TestSequence(model: model, pool: pool)
            let logits = try model.forward([try run.row(appending: sequence.tokens)], cache: pool, allPositions: true)
            let all = sequence.logits.flatMap { $0 }
            let range = all.max()! - all.min()!
            for (p, expected) in sequence.logits.enumerated() {
                let ours = Array(logits[p])
                worst = max(worst, zip(ours, expected).map { abs($0 - $1) }.max()! / range)
            }
        }
        return worst
    }

    func testF32LogitsMatchTransformersAtEveryPosition() throws {
        for name in ["family-llama", "family-qwen2", "family-qwen3", "family-qwen3-bf16", "book-llama3.pth",
                     "book-qwen3.pth"] {
            let error = try worstError(try load(name), name)
            XCTAssertLessThanOrEqual(error, 1e-4, name)
            print("\(name): f32 weights, max error \(error) of the logit range")
        }
    }

    func testGreedyTokensMatchTransformers() throws {
        for name in ["family-llama", "family-qwen2", "family-qwen3", "book-llama3.pth", "book-qwen3.pth"] {
            let model = try load(name)
            for sequence in Self.references[name]! {
                let run = TestSequence(model: model, pool: TestKVPool(for: model, blockSize: 4, capacityBlocks: 16))
                var logits = try run.append(sequence.tokens)
                var tokens: [Int] = []
                for _ in 0..<sequence.greedy.count {
                    let next = logits.indices.max { logits[$0] < logits[$1] }!
                    tokens.append(next)
                    logits = try run.append([next])
                }
                XCTAssertEqual(tokens, sequence.greedy, "\(name), prompt of \(sequence.tokens.count)")
            }
        }
    }

    /// One token at a time through the KV pool (blocks of 4, so positions cross blocks) gives the full pass's
    /// logits at each position.
    func testIncrementalDecodingEqualsTheFullForward() throws {
        for name in ["family-llama", "family-qwen2", "family-qwen3"] {
            let model = try load(name)
            let tokens = Self.references[name]!.last!.tokens
            let pool = TestKVPool(for: model, blockSize: 4, capacityBlocks: 16)
            let full = TestSequence(model: model, pool: pool)
            let all = try model.forward([try full.row(appending: tokens)], cache: pool, allPositions: true)
            let step = TestSequence(model: model, pool: pool)
            for (p, token) in tokens.enumerated() {
                let ours = try step.append([token])
                XCTAssertLessThanOrEqual(zip(ours, Array(all[p])).map { abs($0 - $1) }.max()!, 1e-4,
                                         "\(name) at position \(p)")
            }
        }
    }

    /// bf16 and int8 weights stay within GPT-2's tolerances (1% and 3% of the logit range).
    func testRoundedWeightsStayWithinTheirTolerances() throws {
        for name in ["family-llama", "family-qwen2", "family-qwen3"] {
            let bf16 = try worstError(try load(name, weights: .bf16), name)
            let int8 = try worstError(try load(name, weights: .int8), name)
            print("\(name): bf16 weights \(bf16), int8 weights \(int8) of the logit range")
            XCTAssertLessThanOrEqual(bf16, 0.01, name)
            XCTAssertLessThanOrEqual(int8, 0.03, name)
        }
    }

    func testBookCheckpointsReadTheirConfigurationBesideThem() throws {
        let llama = try ModelFile(at: Reference.fixtures.appendingPathComponent("book-llama3.pth"))
        XCTAssertEqual(llama.scheme, .bookDecoder)
        XCTAssertEqual(llama.config.architecture.norm, .rmsNorm(epsilon: 1e-5))
        XCTAssertNotNil({ if case .rotary(_, let s) = llama.config.architecture.positions { return s }; return nil }())
        let qwen3 = try ModelFile(at: Reference.fixtures.appendingPathComponent("book-qwen3.pth"))
        XCTAssertTrue(qwen3.config.architecture.qkNorm)
        XCTAssertEqual(qwen3.config.architecture.norm, .rmsNorm(epsilon: 1e-6))
        XCTAssertEqual(qwen3.config.headSize, 32)
    }

    func testConfigurationDescribesEachFamily() throws {
        let llama = try ModelFile(at: Reference.fixtures.appendingPathComponent("family-llama"))
        XCTAssertEqual(llama.scheme, .huggingFaceDecoder)
        XCTAssertEqual(llama.config.architecture.attention, .grouped(kvHeads: 2))
        XCTAssertEqual(llama.config.architecture.positions, .rotary(theta: 10000, scaling: .llama3(
            factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 32)))
        XCTAssertFalse(llama.config.architecture.tiedHead)
        let qwen2 = try ModelFile(at: Reference.fixtures.appendingPathComponent("family-qwen2"))
        XCTAssertTrue(qwen2.config.architecture.qkvBias)
        XCTAssertTrue(qwen2.config.architecture.tiedHead)
        XCTAssertEqual(qwen2.summary.format, "safetensors, 2 shards")
        let qwen3 = try ModelFile(at: Reference.fixtures.appendingPathComponent("family-qwen3"))
        XCTAssertTrue(qwen3.config.architecture.qkNorm)
        XCTAssertEqual(qwen3.config.headSize, 32)
        XCTAssertEqual(qwen3.config.queryChannels, 128)
    }
}
