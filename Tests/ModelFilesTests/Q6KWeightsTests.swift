import Foundation
import Kernels
import XCTest
@testable import Model
import ModelFiles
import ModelTestSupport

/// With `--weights int8` a GGUF file's Q6_K matrices stay 6-bit by default (Q6_K panels holding the file's weights
/// exactly, `WeightStorage.keptQ6KBlocks = .all`), the tied head included, and Q/K/V or gate/up stacks whose parts
/// differ in type keep each part at its own width instead of widening the stack to int8; the model's logits stay close
/// to the fp32 model's and llama.cpp's. With `.none` (a measurement's choice) Q6_K matrices are int8 panels and the
/// stacks still keep their Q4_K parts.
final class Q6KWeightsTests: XCTestCase {
    let url = GGUFFixtures.url("family-llama-q6_k.gguf")

    override func tearDown() {
        SIMDPath.limit(to: .avx512BF16)
        WeightStorage.keptQ6KBlocks = .all
    }

    func testByDefaultQ6KMatricesKeepTheirBlocks() throws {
        XCTAssertEqual(WeightStorage.keptQ6KBlocks, .all)
        let model = try GPTModel.load(from: url, weights: .int8)
        XCTAssertEqual(kinds(model.head), ["Q6_K"])
        XCTAssertEqual(kinds(model.layers[0].mlp.down), ["Q6_K"])
    }

    func testWithoutKeptBlocksQ6KMatricesAreInt8PanelsAndStacksKeepTheirQ4KParts() throws {
        WeightStorage.keptQ6KBlocks = .none
        let model = try GPTModel.load(from: url, weights: .int8)
        XCTAssertEqual(kinds(model.layers[0].attention.qkv), ["Q4_K", "int8"], "Q and K stay Q4_K, V becomes int8")
        XCTAssertEqual(kinds(model.layers[0].mlp.down), ["int8"])
        XCTAssertEqual(kinds(model.head), ["int8"])
    }

    func testKeepingOnlyTheHeadsBlocksLeavesTheLayersQ6KAsInt8AndTheHeadExact() throws {
        WeightStorage.keptQ6KBlocks = .head
        let model = try GPTModel.load(from: url, weights: .int8)
        XCTAssertEqual(kinds(model.head), ["Q6_K"])
        XCTAssertEqual(kinds(model.layers[0].mlp.down), ["int8"])
        XCTAssertEqual(kinds(model.layers[0].attention.qkv), ["Q4_K", "int8"])
        let storage = WeightStorage(source: try GGUFTensorSource(url: url), format: .f32)
        let exact = try storage.concatenated([("model.embed_tokens.weight", [model.config.vocabSize, 256])])
        var row = [Float](repeating: .nan, count: 256)
        for r in stride(from: 0, to: model.head.outFeatures, by: 97) {
            model.head.copyRow(r, into: &row)
            XCTAssertEqual(row, Array(UnsafeBufferPointer(start: exact + r * 256, count: 256)), "head row \(r)")
        }
    }

    func testRowsWhosePagesWereReleasedReadTheSameBytesAgain() throws {
        let source = try GGUFTensorSource(url: url)
        let rows = try XCTUnwrap(source.q6KRows("model.embed_tokens.weight"))
        let rowBytes = rows.width / 256 * 210
        func bytes(_ row: Int) -> [UInt8] { Array(UnsafeRawBufferPointer(start: rows.row(row), count: rowBytes)) }
        let before = (0..<rows.rows).map(bytes)
        rows.release(0..<rows.rows)
        XCTAssertEqual((0..<rows.rows).map(bytes), before)
    }

    /// The storage kinds of a weight, part by part.
    func kinds(_ weight: LinearWeight) -> [String] {
        switch weight.storage {
        case .q4KPanels: return ["Q4_K"]
        case .q6KPanels: return ["Q6_K"]
        case .q5Panels: return ["Q5"]
        case .int8Panels: return ["int8"]
        case .bf16Panels: return ["bf16"]
        case .f32Panels: return ["f32"]
        case .stacked(let parts): return parts.flatMap(kinds)
        }
    }

    func testEachPartKeepsItsFilesTypeAndRunsOfOneTypeShareAMatrix() throws {
        let model = try GPTModel.load(from: url, weights: .int8)
        let layers = model.layers
        XCTAssertEqual(kinds(layers[0].attention.qkv), ["Q4_K", "Q6_K"], "Q and K in one Q4_K matrix, V Q6_K")
        XCTAssertEqual(layers[0].attention.qkv.outFeatures, 512)
        XCTAssertEqual(kinds(layers[0].mlp.up), ["Q4_K", "Q6_K"])
        XCTAssertEqual(kinds(layers[1].mlp.up), ["Q6_K"], "gate and up of one type: one matrix")
        XCTAssertEqual(kinds(layers[0].mlp.down), ["Q6_K"])
        XCTAssertEqual(kinds(layers[1].mlp.down), ["Q4_K"])
        XCTAssertEqual(kinds(layers[0].attention.output), ["Q4_K"])
        XCTAssertEqual(kinds(model.head), ["Q6_K"], "the tied head keeps the embedding's Q6_K")
        XCTAssertEqual(model.head.byteCount * 8, model.head.outFeatures.roundedUp(to: 16) * 256 * 105 / 16)
    }

    /// Every row of every stacked, permuted, mixed matrix reads back as the fp32 model's row of the same file.
    func testPanelsHoldTheFilesDequantizedWeights() throws {
        let model = try GPTModel.load(from: url, weights: .int8)
        let storage = WeightStorage(source: try GGUFTensorSource(url: url), format: .f32)
        func check(_ weight: LinearWeight, _ parts: [(String, [Int])], _ what: String) throws {
            let exact = try storage.concatenated(parts.map { ($0.0, $0.1) })
            var row = [Float](repeating: .nan, count: 256)
            for r in 0..<weight.outFeatures {
                weight.copyRow(r, into: &row)
                XCTAssertEqual(row, Array(UnsafeBufferPointer(start: exact + r * 256, count: 256)), "\(what) row \(r)")
            }
        }
        for layer in 0..<2 {
            let a = "model.layers.\(layer).self_attn.", p = "model.layers.\(layer).mlp."
            try check(model.layers[layer].attention.qkv, [(a + "q_proj.weight", [256, 256]),
                      (a + "k_proj.weight", [128, 256]), (a + "v_proj.weight", [128, 256])], "qkv \(layer)")
            try check(model.layers[layer].mlp.up, [(p + "gate_proj.weight", [256, 256]), (p + "up_proj.weight", [256, 256])],
                      "gate/up \(layer)")
            try check(model.layers[layer].mlp.down, [(p + "down_proj.weight", [256, 256])], "down \(layer)")
        }
        try check(model.head, [("model.embed_tokens.weight", [model.config.vocabSize, 256])], "head")
    }

    func testLogitsStayCloseToTheFp32ModelOfTheSameFileOnEveryPath() throws {
        let f32 = try GPTModel.load(from: url)
        let quantized = try GPTModel.load(from: url, weights: .int8)
        let prompts = [[72, 101, 108], [3, 250, 17, 99, 128, 64, 1, 200, 33, 45, 190, 7, 88, 160, 12, 240]]
        func logits(_ model: GPTModel, _ tokens: [Int]) throws -> [Float] {
            try TestSequence(model: model, pool: TestKVPool(for: model, blockSize: 16, byteBudget: 8 << 20)).append(tokens)
        }
        for path in SIMDPath.runnable {
            SIMDPath.limit(to: path)
            for prompt in prompts {
                let exact = try logits(f32, prompt), ours = try logits(quantized, prompt)
                let range = exact.max()! - exact.min()!
                let worst = zip(exact, ours).map { abs($0 - $1) }.max()! / range
                print("Q4_K/Q6_K panels, \(path.name), prompt of \(prompt.count): \(worst) of the logit range")
                XCTAssertLessThanOrEqual(worst, Self.tolerance, "\(path.name), prompt of \(prompt.count)")
            }
        }
    }

    struct Sequence: Decodable { var tokens: [Int]; var logits: [[Float]] }
    struct Reference: Decodable { var sequences: [Sequence] }

    /// llama.cpp's logits on the same file (make_q4k_llamacpp_reference.py family-llama-q6_k), at every position:
    /// the block panels' model and the fp32 one both stay within the tolerance of each sequence's logit range.
    func testLogitsStayCloseToLlamaCppsOnTheSameFile() throws {
        let data = try Data(contentsOf: GGUFFixtures.url("family-llama-q6_k-llamacpp.json"))
        let reference = try JSONDecoder().decode(Reference.self, from: data)
        for (format, model) in [("f32", try GPTModel.load(from: url)),
                                ("block panels", try GPTModel.load(from: url, weights: .int8))] {
            var worst: Float = 0
            for sequence in reference.sequences {
                let pool = TestKVPool(for: model, blockSize: 4, capacityBlocks: 16)
                let run = TestSequence(model: model, pool: pool)
                let logits = try model.forward([try run.row(appending: sequence.tokens)], cache: pool, allPositions: true)
                let all = sequence.logits.flatMap { $0 }
                let range = all.max()! - all.min()!
                for (p, expected) in sequence.logits.enumerated() {
                    worst = max(worst, zip(Array(logits[p]), expected).map { abs($0 - $1) }.max()! / range)
                }
            }
            print("\(format): max error \(worst) of the logit range against llama.cpp")
            XCTAssertLessThanOrEqual(worst, Self.tolerance, format)
        }
    }

    /// Of the logit range, as for the Q4_K fixture: the only rounding left is the activations' (int8 per 256).
    static let tolerance: Float = 0.02
}

private extension Int {
    func roundedUp(to multiple: Int) -> Int { (self + multiple - 1) / multiple * multiple }
}
