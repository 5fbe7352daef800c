import Tokenizer
import XCTest
@testable import Tasks

/// Zero-shot classification over any generator: one prompt in the book's format that every label is scored after,
/// and the softmax of the scores.
final class ZeroShotClassificationTests: XCTestCase {
    private let tokenizer = try! BPETokenizer.gpt2()
    private let document = (0..<200).map { "    total += values[\($0)] * weight  # é\n" }.joined()

    private func classify(_ task: ClassificationTask, scores: Result<[Double], TaskError>,
                          measure: PromptMeasure? = nil) -> (ScriptedGenerator, Result<Classification, TaskError>?) {
        let generator = ScriptedGenerator(measure: measure ?? .tokens(tokenizer, context: 1024), scores: scores)
        let outcomes = Outcomes<Classification>()
        _ = ZeroShotClassification.run(task, on: generator, onFinish: outcomes.onFinish)
        return (generator, outcomes.only)
    }

    func testEachLabelIsScoredAfterOnePromptAndTheSoftmaxRanksThem() throws {
        let labels = ["code", "prose", "poetry"]
        let (generator, outcome) = classify(ClassificationTask(text: "x = 1", labels: labels, client: "c"),
                                            scores: .success([-3, -1, -5]))
        let result = try XCTUnwrap(outcome).get()
        let request = try XCTUnwrap(generator.scorings.first)
        XCTAssertEqual(generator.scorings.count, 1)
        XCTAssertEqual(request.continuations, labels)
        XCTAssertEqual(request.task, .classify)
        XCTAssertEqual(request.owner, "c")
        let prompt = PromptFormat.alpaca(instruction: "Classify the following text as one of: code, prose, poetry.",
                                         input: "x = 1")
        XCTAssertEqual(request.prompt, .tokens(tokenizer.encode(prompt)))
        XCTAssertEqual(result.scores.map(\.label), ["prose", "code", "poetry"])
        XCTAssertEqual(result.label, "prose")
        let total = exp(-3.0) + exp(-1.0) + exp(-5.0)
        XCTAssertEqual(result.scores[0].probability, exp(-1.0) / total, accuracy: 1e-12)
        XCTAssertEqual(result.metrics.promptTokens, 7, "the generator's figures")
    }

    func testWithoutLabelsTheDefaultLabelsAreScored() throws {
        let (generator, outcome) = classify(ClassificationTask(text: "x = 1"), scores: .success([0, 0]))
        XCTAssertEqual(generator.scorings.first?.continuations, PromptFormat.defaultLabels)
        XCTAssertEqual(try XCTUnwrap(outcome).get().scores.map(\.probability), [0.5, 0.5])
    }

    func testInTokensALongInputKeepsItsEndAndLeavesRoomForTheLongestLabel() throws {
        let labels = ["code", "a much longer label of prose"]
        let prompt = ZeroShotClassification.prompt(document, labels: labels, measure: .tokens(tokenizer, context: 256))
        guard case .success(.tokens(let tokens)) = prompt else { return XCTFail("\(prompt)") }
        let full = tokenizer.encode(PromptFormat.alpaca(instruction: PromptFormat.zeroShotInstruction(labels: labels),
                                                        input: document))
        XCTAssertEqual(tokens, Array(full.suffix(256 - tokenizer.encode(labels[1]).count)))
    }

    func testInCharactersTheInputIsItsEnd() {
        let limits = CharacterLimits(completion: 100, input: 40)
        let prompt = ZeroShotClassification.prompt(document, labels: ["a"], measure: .characters(limits))
        let expected = PromptFormat.alpaca(instruction: PromptFormat.zeroShotInstruction(labels: ["a"]),
                                           input: String(document.suffix(40)))
        guard case .success(.text(expected)) = prompt else { return XCTFail("\(prompt)") }
    }

    func testALabelThatFillsTheContextOrAnEmptyLabelIsRefusedBeforeAnyScoring() {
        let long = String(repeating: "word ", count: 40)
        let (generator, outcome) = classify(ClassificationTask(text: "x", labels: ["a", long]), scores: .success([]),
                                            measure: .tokens(tokenizer, context: 32))
        guard case .failure(.failed(let message)) = outcome else { return XCTFail("\(String(describing: outcome))") }
        XCTAssertTrue(message.hasPrefix("label 2 has "), message)
        XCTAssertTrue(message.contains("but the model's context holds 32 for the prompt and the label"), message)
        let (other, empty) = classify(ClassificationTask(text: "x", labels: ["a", ""]), scores: .success([]))
        guard case .failure(.failed(let reason)) = empty else { return XCTFail("\(String(describing: empty))") }
        XCTAssertTrue(reason.contains("no empty label"), reason)
        XCTAssertTrue(generator.scorings.isEmpty && other.scorings.isEmpty)
    }

    func testAFailedScoringFailsTheTask() {
        let (_, outcome) = classify(ClassificationTask(text: "x", labels: ["a", "b"]),
                                    scores: .failure(.endpoint("http://e/v1", cause: "no log-probabilities")))
        guard case .failure(.endpoint(_, let cause)) = outcome else { return XCTFail("\(String(describing: outcome))") }
        XCTAssertEqual(cause, "no log-probabilities")
    }
}
