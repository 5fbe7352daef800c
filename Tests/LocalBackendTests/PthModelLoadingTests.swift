import Foundation
import Model
import ModelFiles
import Tokenizer
import XCTest
import Tasks
@testable import LocalBackend

/// The book's `.pth` files served as they are: a lone file with GPT-2's tokenizer, or a manifest that names them
/// and gives a classifier's labels and chapter 6's padded input (Tests/ModelTestSupport/Fixtures/pth, made by
/// training/fixtures/make_pth_fixtures.py).
final class PthModelLoadingTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelTestSupport/Fixtures/pth")
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-pth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    /// A manifest like the one the README shows for the book's spam classifier, on the tiny fixtures (C = 16 needs
    /// `heads`; the fixture's vocabulary of 64 pads with 63 where the book pads with 50256).
    private func writeSpamManifest(classifier: String) throws {
        let manifest = """
            {"format": "gptls-manifest-1", "heads": 2,
             "tasks": {"completion": {"weights": "\(fixture("contiguous.pth"))"},
                       "classify": {"weights": "\(classifier)", "labels": ["not spam", "spam"],
                                    "max_tokens": 12, "pad_to_max_tokens": true, "pad_token_id": 63}}}
            """
        try Data(manifest.utf8).write(to: directory.appendingPathComponent("manifest.json"))
    }

    private struct ClassificationCase: Decodable {
        let text: String
        let ids: [Int]
        let padded: [Int]
        let logits: [Double]
    }

    private func classificationCases() throws -> [ClassificationCase] {
        struct Reference: Decodable {
            struct Classification: Decodable { let cases: [ClassificationCase] }
            let classification: Classification
        }
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("classifier.json"))
        return try JSONDecoder().decode(Reference.self, from: data).classification.cases
    }

    private func classify(_ backend: InProcessBackend, _ text: String) throws -> Classification {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        _ = backend.classify(ClassificationTask(text: text)) { result in
            box.result = result
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        return try XCTUnwrap(box.result).get()
    }

    func testAManifestNamesPthWeightsTheirHeadsLabelsAndPadding() throws {
        try writeSpamManifest(classifier: fixture("classifier.pth"))
        let source = try ModelSource(model: directory.path, task: .classify)
        XCTAssertEqual(source.weights.path, fixture("classifier.pth"))
        XCTAssertEqual(source.heads, 2)
        XCTAssertEqual(source.labels, ["not spam", "spam"])
        XCTAssertEqual(source.classifierInput, ClassifierInput(maxTokens: 12, padTokenId: 63))
        XCTAssertNil(source.tokenizerDirectory, "no tokenizer in the manifest: GPT-2's")
    }

    func testTheBookSpamClassifierThroughTheBackendMatchesClassifyReview() throws {
        // Relative weights, as a user's directory with review_classifier.pth beside manifest.json would have.
        try FileManager.default.copyItem(atPath: fixture("classifier.pth"),
                                         toPath: directory.appendingPathComponent("review_classifier.pth").path)
        try writeSpamManifest(classifier: "review_classifier.pth")
        let backend = try ModelLoader.backend(.init(models: [.completion: directory.path,
                                                             .summarize: directory.path, .classify: directory.path]))
        defer { backend.shutdown() }
        XCTAssertEqual(backend.classifyModel.labels, ["not spam", "spam"])
        let cases = try classificationCases()
        XCTAssertEqual(cases.count, 2)
        for test in cases {
            XCTAssertEqual(backend.classifyModel.tokenizer.encode(test.text), test.ids, "GPT-2 ids of \(test.text)")
            let result = try classify(backend, test.text)
            let exp = test.logits.map { Foundation.exp($0 - test.logits.max()!) }
            let expected = Dictionary(uniqueKeysWithValues: zip(["not spam", "spam"], exp.map { $0 / exp.reduce(0, +) }))
            XCTAssertEqual(result.label, expected.max { $0.value < $1.value }!.key, test.text)
            for score in result.scores {
                XCTAssertEqual(score.probability, expected[score.label]!, accuracy: 1e-4, "\(test.text) \(score.label)")
            }
            // The second text is longer than max_tokens: only its first 12 tokens ran, padding none.
            XCTAssertEqual(result.metrics.promptTokens, test.padded.count, test.text)
        }
    }

    func testALonePthUsesGPT2sShippedTokenizerAndTheHeadsOption() throws {
        let path = fixture("transposed.pth")
        let source = try ModelSource(model: path, task: .completion)
        XCTAssertNil(source.tokenizerDirectory)
        XCTAssertEqual(try ModelLoader.tokenizer(for: source).encode("hello world"), [31373, 995])
        XCTAssertThrowsError(try ModelLoader.backend(.init(models: [.completion: path]))) { error in
            XCTAssertEqual(error as? ModelFileError, .unknownHeadCount(file: "transposed.pth", width: 16))
        }
        let backend = try ModelLoader.backend(.init(models: [.completion: path, .summarize: path, .classify: path]),
                                              heads: 2)
        defer { backend.shutdown() }
        XCTAssertEqual(backend.completionModel.contextLength, 16)
        XCTAssertNil(backend.classifyModel.labels, "a language model has no labels of its own")
    }

    func testPaddingWithoutALengthIsAManifestError() throws {
        let manifest = """
            {"format": "gptls-manifest-1", "tasks": {"completion": {"weights": "model.pth"},
             "classify": {"weights": "review_classifier.pth", "pad_to_max_tokens": true}}}
            """
        try Data(manifest.utf8).write(to: directory.appendingPathComponent("manifest.json"))
        XCTAssertThrowsError(try ModelSource(model: directory.path, task: .classify)) { error in
            XCTAssertEqual(error as? ModelLoadingError, .badManifest(
                path: directory.appendingPathComponent("manifest.json").path,
                reason: "tasks.classify.pad_to_max_tokens needs max_tokens, the length to pad to"))
        }
    }
}

private final class ResultBox: @unchecked Sendable {
    var result: Result<Classification, TaskError>?
}
