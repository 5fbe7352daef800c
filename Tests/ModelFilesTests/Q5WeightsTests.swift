import Foundation
import XCTest
import Kernels
@testable import Model
@testable import ModelFiles
import ModelTestSupport

/// A GGUF file's Q5_0 and Q4_0 matrices load, under `--weights int8`, as panels that keep the file's blocks (the
/// file's numbers exactly), and the model they make gives the logits of the same file loaded exactly in fp32 within
/// the rounding of the activations to 8 bits per block of 32.
final class Q5WeightsTests: XCTestCase {
    /// quants.gguf's Q5_0 and Q4_0 tensors (gguf-py's quantizer's bytes) read back from the panels bit for bit as
    /// GGUFFile dequantizes them, which is gguf-py's dequantization (GGUFFileTests).
    func testQ5_0AndQ4_0BlocksPackIntoPanelsThatHoldTheFilesWeights() throws {
        let file = try GGUFFile(url: GGUFFixtures.url("quants.gguf"))
        for (name, fifthBits) in [("t.q5_0", true), ("t.q4_0", false)] {
            let info = try XCTUnwrap(file.tensor(name))
            let (m, k) = (info.shape[0], info.shape[1])
            let expected = try file.dequantize(info)
            var panels = [UInt8](repeating: 0, count: LinearWeight.q5PanelCount(outFeatures: m, inFeatures: k,
                                                                                 fifthBits: fifthBits))
            let bytes = file.bytes(of: info)
            let rowBytes = k / 32 * LinearWeight.q5FileBlockBytes(fifthBits: fifthBits)
            for j in 0..<m {
                LinearWeight.packQ5Row(bytes.baseAddress! + j * rowBytes, inFeatures: k, row: j, fifthBits: fifthBits,
                                       into: &panels)
            }
            panels.withUnsafeBufferPointer { p in
                let weight = LinearWeight(.q5Panels(.init(bytes: p.baseAddress!, fifthBits: fifthBits)),
                                          outFeatures: m, inFeatures: k)
                var row = [Float](repeating: .nan, count: k)
                for j in 0..<m {
                    weight.copyRow(j, into: &row)
                    XCTAssertEqual(row.map(\.bitPattern), expected[(j * k)..<(j * k + k)].map(\.bitPattern),
                                   "\(name) row \(j)")
                }
            }
        }
    }

    func matrices(_ model: GPTModel) -> [LinearWeight] {
        model.layers.flatMap { [$0.attention.qkv, $0.attention.output, $0.mlp.up, $0.mlp.down] } + [model.head]
    }

    func testQ5_0AndQ4_0MatricesLoadAsTheirOwnPanelsUnderInt8AndBf16() throws {
        for (file, fifthBits) in [("family-qwen2-q5_0.gguf", true), ("family-llama-q4_0.gguf", false)] {
            for format in [WeightFormat.int8, .bf16] {
                let model = try GPTModel.load(from: GGUFFixtures.url(file), weights: format)
                for weight in matrices(model) {
                    guard case .q5Panels(let panels) = weight.storage else {
                        return XCTFail("\(file) \(format): \(weight.storage)")
                    }
                    XCTAssertEqual(panels.fifthBits, fifthBits, file)
                }
            }
            // The same file in fp32 holds no such panels: the choice is the user's.
            let exact = try GPTModel.load(from: GGUFFixtures.url(file), weights: .f32)
            XCTAssertTrue(matrices(exact).allSatisfy(\.isF32), file)
        }
    }

    /// The fp32 load of the same file is its exact dequantization, so what separates the two is the activations'
    /// rounding to 8 bits per block of 32 (a relative error of at most 1/254 of each block's largest value).
    /// Measured on these models: 0.0075 (Q5_0) and 0.0077 (Q4_0) of the logit range; 1.5% allowed.
    func testLogitsMatchTheExactFp32LoadOfTheSameFileWithinActivationRounding() throws {
        for file in ["family-qwen2-q5_0.gguf", "family-llama-q4_0.gguf"] {
            let url = GGUFFixtures.url(file)
            let fast = try GPTModel.load(from: url, weights: .int8), exact = try GPTModel.load(from: url, weights: .f32)
            let tokens = Array(0..<20).map { ($0 * 37 + 11) % 256 }
            func logits(_ model: GPTModel) throws -> [Float] {
                let pool = TestKVPool(for: model, blockSize: 4, capacityBlocks: 16)
                let run = TestSequence(model: model, pool: pool)
                let all = try model.forward([try run.row(appending: tokens)], cache: pool, allPositions: true)
                return tokens.indices.flatMap { Array(all[$0]) }
            }
            let ours = try logits(fast), theirs = try logits(exact)
            let range = theirs.max()! - theirs.min()!
            let error = zip(ours, theirs).map { abs($0 - $1) }.max()! / range
            print("\(file): int8 (Q5 panels) against the file's fp32, max error \(error) of the logit range")
            XCTAssertLessThanOrEqual(error, 0.015, file)
            XCTAssertGreaterThan(error, 0, "\(file): the activations are rounded, the logits cannot be equal")
        }
    }
}
