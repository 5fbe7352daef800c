import Foundation
import Kernels
import XCTest
@testable import Model
import ModelFiles
import ModelTestSupport

/// The thread count changes how the work is split, never the result: the same tokens and the same logits, bit
/// for bit, with one thread, the machine's count and an uneven three.
final class ThreadCountTests: XCTestCase {
    override func tearDown() { KernelThreads.count = KernelThreads.machineDefault }

    /// Wide enough that every linear layer splits into several parts (at least 128 columns each), with a prompt
    /// long enough for the GEMM attention path (one part per head) and decode steps for the per-token kernel.
    static let config = GPTConfig(nEmbd: 128, nHead: 4, nLayer: 2, nPositions: 128, vocabSize: 1000)

    func greedy(_ model: GPTModel, prompt: [Int], steps: Int) throws -> (tokens: [Int], logits: [[Float]]) {
        let session = TestSequence(model: model, pool: TestKVPool(for: model, capacityBlocks: 8))
        var logits = [try session.append(prompt)]
        var tokens: [Int] = []
        for _ in 0..<steps {
            tokens.append(argmax(logits.last!))
            logits.append(try session.append([tokens.last!]))
        }
        return (tokens, logits)
    }

    func testGreedyTokensAndLogitsAreTheSameForAnyThreadCount() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("threads-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try RandomModel.write(config: Self.config, seed: 5, to: directory)
        let prompt = (0..<40).map { ($0 * 37 + 11) % Self.config.vocabSize }
        for weights in WeightFormat.allCases {
            let model = try GPTModel.load(from: directory, weights: weights)
            var results: [Int: (tokens: [Int], logits: [[Float]])] = [:]
            for threads in [1, KernelThreads.machineDefault, 3] {
                KernelThreads.count = threads
                results[threads] = try greedy(model, prompt: prompt, steps: 12)
            }
            let single = try XCTUnwrap(results[1])
            XCTAssertGreaterThan(Set(single.tokens).count, 1, "\(weights): a degenerate model proves nothing")
            for (threads, result) in results {
                XCTAssertEqual(result.tokens, single.tokens, "\(weights), \(threads) threads")
                XCTAssertEqual(result.logits, single.logits, "\(weights), \(threads) threads")
            }
        }
    }
}
