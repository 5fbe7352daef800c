import Engine
import Foundation
import Model
import ModelFiles
import Tasks
import Tokenizer
import XCTest
@testable import LocalBackend

/// The shipped model (models/default) through the runtime reproduces what PyTorch computed from the same weights
/// (models/default/expected.json, made by training/eval.py).
final class BundledModelTests: XCTestCase {
    private let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/default")

    private func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func load(_ task: TaskKind, weights: WeightFormat = .f32) throws -> (GPTModel, ModelSource) {
        let source = try ModelSource(model: directory.path, task: task)
        let config = try source.config.map { try GPTConfig(contentsOf: $0) }
        return (try GPTModel.load(from: source.weights, config: config, weights: weights), source)
    }

    func testGreedyCompletionsOfHeldOutCodeMatchPyTorchExactly() throws {
        try checkGreedyCompletions(weights: .f32)
    }

    /// bf16 weights (and, with AVX-512 BF16, bf16 activations) do not change a single greedy token of the trained
    /// model on these cases.
    func testGreedyCompletionsWithBF16WeightsMatchPyTorch() throws {
        try checkGreedyCompletions(weights: .bf16)
    }

    /// int8 weights and activations move logits by more than bf16 does, so greedy decoding may leave PyTorch's path
    /// at a near-tie; most cases still match token for token, and the tokens before each case's first difference
    /// make up most of the continuations (measured: 7 of 8 cases identical, 170 of 192 tokens before a difference).
    func testGreedyCompletionsWithInt8WeightsMostlyMatchPyTorch() throws {
        let (model, _) = try load(.completion, weights: .int8)
        let cases = try XCTUnwrap(try (expected()["completion"] as? [String: Any])?["cases"] as? [[String: Any]])
        var identical = 0, agreeing = 0, total = 0
        for test in cases {
            let ids = try XCTUnwrap(test["prompt_ids"] as? [Int])
            let continuation = try XCTUnwrap(test["continuation_ids"] as? [Int])
            let engine = OfflineEngine(model: model, pool: KVBlockPool(for: model, blockSize: 16, byteBudget: 16 << 20))
            let generated = try engine.generate(ids, maxTokens: continuation.count).tokens
            identical += generated == continuation ? 1 : 0
            agreeing += zip(generated, continuation).prefix { $0 == $1 }.count
            total += continuation.count
        }
        XCTAssertGreaterThanOrEqual(identical * 2, cases.count)
        XCTAssertGreaterThanOrEqual(agreeing * 4, total * 3)
    }

    private func checkGreedyCompletions(weights: WeightFormat) throws {
        let (model, source) = try load(.completion, weights: weights)
        let tokenizer = try ModelLoader.tokenizer(for: source)
        let completion = try XCTUnwrap(try expected()["completion"] as? [String: Any])
        let cases = try XCTUnwrap(completion["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 8)
        for (index, test) in cases.enumerated() {
            let prompt = try XCTUnwrap(test["prompt"] as? String)
            let ids = try XCTUnwrap(test["prompt_ids"] as? [Int])
            let continuation = try XCTUnwrap(test["continuation_ids"] as? [Int])
            XCTAssertEqual(tokenizer.encode(prompt), ids, "case \(index): tokenizer")
            let pool = KVBlockPool(config: model.config, capacityBlocks: model.config.nPositions / 16 + 1)
            let generated = try OfflineEngine(model: model, pool: pool).generate(ids, maxTokens: continuation.count)
                .tokens
            XCTAssertEqual(generated, continuation, "\(weights): case \(index) (\(test["source"] ?? ""))")
        }
    }

    /// Every token of the shared tokenizer (the FIM tokens too, where it has them) has a row in every model, the
    /// summarizer and classifier included: a prompt gptls builds never holds an id a model lacks.
    func testEveryModelHasARowForEveryTokenOfTheSharedTokenizer() throws {
        let (completion, source) = try load(.completion)
        let tokenizer = try ModelLoader.tokenizer(for: source)
        var highest = tokenizer.vocabularySize - 1
        if let format = FIMFormat.recognised(in: tokenizer) {
            XCTAssertEqual(format.family, .starcoder)
            let ids = try XCTUnwrap(format.tokens(in: tokenizer))
            let fileSeparator = try XCTUnwrap(ids.fileSeparator), repositoryName = try XCTUnwrap(ids.repositoryName)
            XCTAssertTrue(tokenizer.stopTokens.contains(fileSeparator))
            highest = max(highest, ids.prefix, ids.suffix, ids.middle, fileSeparator, repositoryName)
        }
        let summarizer = try load(.summarize).0, classifier = try load(.classify).0
        for model in [completion, summarizer, classifier] {
            XCTAssertGreaterThan(model.config.vocabSize, highest)
        }
    }

    /// The summarizer was finetuned before the FIM tokens existed: their output rows give a constant low logit, so
    /// it never writes one.
    func testTheSummarizerNeverPrefersAFIMToken() throws {
        let (model, source) = try load(.summarize)
        let tokenizer = try ModelLoader.tokenizer(for: source)
        let fim = try FIMFormat.named(.starcoder).tokens(in: tokenizer) ?? skipWithoutFIM()
        let rows = [fim.prefix, fim.suffix, fim.middle, fim.fileSeparator ?? 0, fim.repositoryName ?? 0]
        for text in ["def add(a, b):\n    return a + b\n\n### Response:\n", "}", "Summarize the following code."] {
            let pool = KVBlockPool(config: model.config, capacityBlocks: model.config.nPositions / 16 + 1)
            let logits = try OfflineEngine(model: model, pool: pool).outputs(tokenizer.encode(text))[0]
            let best = logits.max() ?? 0
            for row in rows { XCTAssertLessThan(logits[row], best - 10, "\(text.debugDescription): token \(row)") }
        }
    }

    /// gptls builds, token for token, the FIM prompts the completion model was trained on (training/fim.py), with
    /// and without a context block, and the runtime continues them as PyTorch did, ending the middle where it did.
    func testFIMPromptsOfHeldOutCodeAreTheTrainedLayoutAndContinueAsInPyTorch() throws {
        let (model, source) = try load(.completion)
        let tokenizer = try ModelLoader.tokenizer(for: source)
        let fim = try expected()["fim"] as? [String: Any] ?? skipWithoutFIM()
        let context = try XCTUnwrap(fim["context_length"] as? Int)
        let cases = try XCTUnwrap(fim["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 4)
        var withContext = 0
        for (index, test) in cases.enumerated() {
            let name = try XCTUnwrap(test["name"] as? String)
            let chunks = try XCTUnwrap(test["chunks"] as? [[String: String]]).map {
                ContextChunk(name: $0["name"] ?? "", text: $0["text"] ?? "")
            }
            withContext += chunks.isEmpty ? 0 : 1
            let task = CompletionTask(
                documentKey: "file:///w/" + (name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name),
                prefix: try XCTUnwrap(test["prefix"] as? String), maxTokens: try XCTUnwrap(test["max_tokens"] as? Int),
                suffix: try XCTUnwrap(test["suffix"] as? String), context: chunks,
                contextTokens: try XCTUnwrap(test["context_tokens"] as? Int))
            let (prompt, _, isFIM) = InlineCompletion.prompt(for: task, measure: .tokens(tokenizer, context: context),
                                                             fim: source.fim)
            XCTAssertTrue(isFIM, "case \(index)")
            guard case .tokens(let tokens) = prompt else { return XCTFail("case \(index): a token prompt") }
            let ids = try XCTUnwrap(test["prompt_ids"] as? [Int])
            XCTAssertEqual(tokens, ids, "case \(index) (\(test["source"] ?? "")): the prompt")
            let continuation = try XCTUnwrap(test["continuation_ids"] as? [Int])
            let pool = KVBlockPool(config: model.config, capacityBlocks: model.config.nPositions / 16 + 1)
            let result = try OfflineEngine(model: model, pool: pool)
                .generate(ids, maxTokens: 24, stopTokens: tokenizer.stopTokens)
            XCTAssertEqual(result.tokens, continuation, "case \(index) (\(test["source"] ?? ""))")
        }
        XCTAssertGreaterThan(withContext, 0, "a case with a context block")
    }

    /// Skips a test of fill-in-the-middle: the bundled model is trained for it only when its recipe ran the FIM step
    /// (`FIM_STEPS` in training/train.sh), which adds the FIM tokens to its tokenizer and the FIM fixtures.
    private func skipWithoutFIM<T>() throws -> T {
        throw XCTSkip("the bundled model has no FIM tokens (its recipe ran without the FIM step)")
    }

    func testClassifierPredictsWhatPyTorchPredictsOnHeldOutSnippets() throws {
        try checkClassifier(weights: .f32, logitTolerance: 1e-3, samePredictions: 20)
    }

    /// int8 weights keep the classifier's predictions (measured: 20 of 20 as PyTorch, logits within 0.2 of its).
    func testClassifierWithInt8WeightsPredictsWhatPyTorchPredicts() throws {
        try checkClassifier(weights: .int8, logitTolerance: 0.3, samePredictions: 19)
    }

    private func checkClassifier(weights: WeightFormat, logitTolerance: Double, samePredictions: Int) throws {
        let (model, _) = try load(.classify, weights: weights)
        let classify = try XCTUnwrap(try expected()["classify"] as? [String: Any])
        let labels = try XCTUnwrap(classify["labels"] as? [String])
        XCTAssertEqual(model.outputWidth, labels.count)
        let cases = try XCTUnwrap(classify["cases"] as? [[String: Any]])
        var correct = 0, same = 0
        for (index, test) in cases.enumerated() {
            let ids = try XCTUnwrap(test["ids"] as? [Int])
            let expectedLogits = try XCTUnwrap(test["logits"] as? [Double])
            let pool = KVBlockPool(config: model.config, capacityBlocks: model.config.nPositions / 16 + 1)
            let logits = try OfflineEngine(model: model, pool: pool).outputs(ids)[0]
            for (a, b) in zip(logits, expectedLogits) {
                XCTAssertEqual(Double(a), b, accuracy: logitTolerance, "\(weights): case \(index)")
            }
            let predicted = labels[Sampler.argmax(logits)]
            if predicted == test["predicted"] as? String { same += 1 }
            if predicted == test["label"] as? String { correct += 1 }
        }
        // The model card reports 96.8% on 800 held-out snippets; on this sample of 20 (the first snippets of each
        // label, hard ones included) PyTorch gets 17 right, and the runtime must not fall below 80%.
        XCTAssertGreaterThanOrEqual(same, min(samePredictions, cases.count), "\(weights): predictions as PyTorch's")
        XCTAssertGreaterThanOrEqual(Double(correct) / Double(cases.count), 0.8, "\(weights)")
    }
}
