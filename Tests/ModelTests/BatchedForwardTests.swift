import Kernels
import XCTest
@testable import Model
import ModelFiles
import ModelTestSupport

/// Rows of different sequences, lengths and start positions in one call give the one-at-a-time results.
final class BatchedForwardTests: XCTestCase {
    let ref = Reference.model("hf-lm-b")

    func fullRecompute(_ model: GPTModel, _ tokens: [Int]) throws -> [Float] {
        let pool = TestKVPool(config: model.config, blockSize: 16, capacityBlocks: 16)
        return try TestSequence(model: model, pool: pool).append(tokens)
    }

    func testBatchedRowsWithDifferentStartPositionsEqualOneRowAtATime() throws {
        let model = try Reference.load(ref)
        let pool = TestKVPool(config: model.config, blockSize: 16, capacityBlocks: 64)
        let a = TestSequence(model: model, pool: pool), b = TestSequence(model: model, pool: pool)
        let c = TestSequence(model: model, pool: pool)
        let long = ref.prompts[3], mid = ref.prompts[2], short = ref.prompts[1]
        _ = try a.append(Array(long[0..<20]))
        _ = try b.append(Array(mid[0..<3]))
        let rows = [try a.row(appending: Array(long[20..<40])), try b.row(appending: [mid[3]]),
                    try c.row(appending: short)]
        let batched = try model.forward(rows, cache: pool)
        XCTAssertEqual(batched.rowCount, 3)
        let expected = [try fullRecompute(model, Array(long[0..<40])), try fullRecompute(model, Array(mid[0..<4])),
                        try fullRecompute(model, short)]
        for r in 0..<3 { XCTAssertLessThanOrEqual(Reference.maxAbsDiff(batched[r], expected[r]), 1e-5, "row \(r)") }
    }

    func testAllPositionsEqualsEachPrefixsLastPosition() throws {
        let model = try Reference.load(ref)
        let pool = TestKVPool(config: model.config, blockSize: 4, capacityBlocks: 64)
        let s = TestSequence(model: model, pool: pool)
        let prompt = ref.prompts[2]
        _ = try s.append(Array(prompt[0..<5]))
        let out = try model.forward([try s.row(appending: Array(prompt[5...]))], cache: pool, allPositions: true)
        XCTAssertEqual(out.rowCount, prompt.count - 5)
        for i in 5..<prompt.count {
            let expected = try fullRecompute(model, Array(prompt[0...i]))
            XCTAssertLessThanOrEqual(Reference.maxAbsDiff(out[i - 5], expected), 1e-5, "position \(i)")
        }
    }

    func testPrefillThenDecodeEqualsFullRecompute() throws {
        let model = try Reference.load(ref)
        let pool = TestKVPool(config: model.config, blockSize: 16, capacityBlocks: 16)
        let s = TestSequence(model: model, pool: pool)
        let prompt = ref.prompts[2]
        _ = try s.append(Array(prompt[0..<10]))
        var last: [Float] = []
        for t in prompt[10...] { last = try s.append([t]) }
        XCTAssertLessThanOrEqual(Reference.maxAbsDiff(last, try fullRecompute(model, prompt)), 1e-5)
    }

    func testSharedPrefixBlockIsReadButNeverWritten() throws {
        let model = try Reference.load(ref)
        let pool = TestKVPool(config: model.config, blockSize: 16, capacityBlocks: 8)
        let prompt = ref.prompts[3]
        let owner = TestSequence(model: model, pool: pool)
        let expected = try owner.append(Array(prompt[0..<20]))
        let shared = owner.blockTable[0]
        let before = Array(UnsafeRawBufferPointer(start: pool.storage + shared * pool.blockBytes, count: pool.blockBytes))
        let own = pool.allocate()!
        let row = GPTBatchRow(tokens: Array(prompt[16..<20]), startPosition: 16, blockTable: [shared, own])
        let out = try model.forward([row], cache: pool)
        XCTAssertLessThanOrEqual(Reference.maxAbsDiff(out[0], expected), 1e-5)
        let after = Array(UnsafeRawBufferPointer(start: pool.storage + shared * pool.blockBytes, count: pool.blockBytes))
        XCTAssertEqual(before, after)
    }

    /// A new sequence takes over a cached prefix: it shares the full block and copies the agreeing part of the
    /// partial one, then computes only the rest; its logits equal a full recompute (fp32 and bf16 caches).
    func testCopiedPartialBlockContinuesLikeAFullRecompute() throws {
        let model = try Reference.load(ref)
        let prompt = ref.prompts[3]
        XCTAssertGreaterThanOrEqual(prompt.count, 24)
        for element in [PagedKV.Element.f32, .bf16] {
            let pool = TestKVPool(config: model.config, blockSize: 16, capacityBlocks: 8, element: element)
            let owner = TestSequence(model: model, pool: pool)
            _ = try owner.append(Array(prompt[0..<20]))  // block 0 full, block 1 holds positions 16..<20
            let own = pool.allocate()!
            pool.copy(block: owner.blockTable[1], to: own, positions: 3)  // positions 16, 17, 18
            let row = GPTBatchRow(tokens: Array(prompt[19..<24]), startPosition: 19,
                                  blockTable: [owner.blockTable[0], own])
            let out = try model.forward([row], cache: pool)
            let expectedPool = TestKVPool(config: model.config, blockSize: 16, capacityBlocks: 8, element: element)
            let expected = try TestSequence(model: model, pool: expectedPool).append(Array(prompt[0..<24]))
            XCTAssertLessThanOrEqual(Reference.maxAbsDiff(out[0], expected), 1e-5, "\(element)")
        }
    }
}
