import XCTest
@testable import Model
import ModelFiles
import ModelTestSupport

/// Logits and greedy tokens match Hugging Face transformers / the book's PyTorch model on the same weights.
final class ForwardReferenceTests: XCTestCase {
    func checkLogits(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let ref = Reference.model(name)
        let model = try Reference.load(ref)
        let pool = TestKVPool(config: model.config, blockSize: 16, capacityBlocks: 64)
        for (prompt, expected) in zip(ref.prompts, ref.logits) {
            let session = TestSequence(model: model, pool: pool)
            let logits = try session.append(prompt)
            let diff = Reference.maxAbsDiff(logits, expected)
            XCTAssertLessThanOrEqual(diff, 1e-4, "\(name), prompt of \(prompt.count) tokens", file: file, line: line)
        }
    }

    func checkGreedy(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let ref = Reference.model(name)
        let model = try Reference.load(ref)
        let pool = TestKVPool(config: model.config, blockSize: 16, capacityBlocks: 64)
        let session = TestSequence(model: model, pool: pool)
        var logits = try session.append(ref.greedyPrompt!)
        var tokens: [Int] = []
        for _ in 0..<ref.greedyTokens!.count {
            tokens.append(argmax(logits))
            logits = try session.append([tokens.last!])
        }
        XCTAssertEqual(tokens, ref.greedyTokens!, "\(name) greedy tokens", file: file, line: line)
    }

    func testHuggingFaceLanguageModelShapeAMatchesTransformers() throws {
        try checkLogits("hf-lm-a"); try checkGreedy("hf-lm-a")
    }

    func testATiedFP32HeadServesTheEmbeddingLookupsSoWTEIsHeldOnce() throws {
        let tied = try Reference.load(Reference.model("hf-lm-a"))
        let c = tied.config.nEmbd
        // Beyond the matrices: the position embedding and the vectors, but no fp32 copy of wte.
        XCTAssertLessThan(tied.allocatedBytes - tied.weightBytesPerStep, 4 * tied.config.vocabSize * c)
        // bf16 panels are rounded, so a bf16 model keeps an exact fp32 copy of wte for the lookups.
        let bf16 = try GPTModel.load(from: Reference.fixtures.appendingPathComponent(Reference.model("hf-lm-a").path),
                                     weights: .bf16)
        XCTAssertGreaterThan(bf16.allocatedBytes - bf16.weightBytesPerStep, 4 * bf16.config.vocabSize * c)
    }

    func testHuggingFaceUntiedLanguageModelShapeBMatchesTransformers() throws {
        try checkLogits("hf-lm-b"); try checkGreedy("hf-lm-b")
    }

    func testHuggingFaceKeysWithoutPrefixAndMaskBufferMatchTransformers() throws {
        try checkLogits("hf-lm-a-noprefix"); try checkGreedy("hf-lm-a-noprefix")
    }

    func testFloat16WeightsMatchTheRoundedReference() throws {
        try checkLogits("hf-lm-a-f16"); try checkGreedy("hf-lm-a-f16")
    }

    func testHuggingFaceClassifierPoolsAtTheLastToken() throws {
        try checkLogits("hf-cls-a")
        let model = try Reference.load(Reference.model("hf-cls-a"))
        XCTAssertEqual(model.task, .classifier(labels: ["negative", "neutral", "positive"]))
        XCTAssertEqual(try Reference.file(Reference.model("hf-cls-a")).scheme, .huggingFaceClassifier)
    }

    func testBookModelWithoutQKVBiasMatchesPyTorch() throws {
        try checkLogits("book-a-nobias"); try checkGreedy("book-a-nobias")
        XCTAssertFalse(try Reference.load(Reference.model("book-a-nobias")).config.architecture.qkvBias)
    }

    func testBookModelWithQKVBiasShapeBMatchesPyTorch() throws {
        try checkLogits("book-b-bias"); try checkGreedy("book-b-bias")
    }

    func testBFloat16BookModelMatchesTheRoundedReference() throws {
        try checkLogits("book-b-bias-bf16"); try checkGreedy("book-b-bias-bf16")
    }

    func testBookClassifierWithBiasMatchesPyTorch() throws {
        try checkLogits("book-a-bias-cls")
        let model = try Reference.load(Reference.model("book-a-bias-cls"))
        XCTAssertEqual(model.task, .classifier(labels: ["LABEL_0", "LABEL_1"]))
    }

    func testHuggingFaceDirectoryConfigurationIsRead() throws {
        let file = try ModelFile(at: Reference.fixtures.appendingPathComponent("hf-lm-b"))
        var untied = Architecture.gpt2
        untied.tiedHead = false
        XCTAssertEqual(try file.load().config, GPTConfig(nEmbd: 64, nHead: 2, nLayer: 3, nPositions: 128,
                                                         vocabSize: 300, eosTokenId: 50256, architecture: untied))
        XCTAssertEqual(file.scheme, .huggingFaceLanguageModel)
    }
}
