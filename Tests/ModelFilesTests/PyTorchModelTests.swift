import Foundation
import XCTest
import Model
@testable import ModelFiles
import ModelTestSupport

/// The book's `.pth` files load through the public model loader and compute what PyTorch computes: every position's
/// logits within 1e-4 and the same greedy tokens, whatever the storage layout (contiguous, column-major views,
/// q/k/v views into one shared storage, a training checkpoint wrapping the state dict, ZIP64).
final class PyTorchModelTests: XCTestCase {
    private func load(_ stem: String) throws -> (GPTModel, PthModelReference) {
        let reference = try PthModelReference.load(stem)
        let model = try GPTModel.load(from: PthFixtures.url(reference.file), heads: reference.config.n_heads)
        return (model, reference)
    }

    private func open(_ stem: String) throws -> ModelFile {
        let reference = try PthModelReference.load(stem)
        return try ModelFile(at: PthFixtures.url(reference.file), heads: reference.config.n_heads)
    }

    private func assertLogitsMatch(_ stem: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (model, reference) = try load(stem)
        let pool = TestKVPool(config: model.config, blockSize: 4, capacityBlocks: 16)
        for (prompt, expected) in zip(reference.prompts, reference.logits) {
            let session = TestSequence(model: model, pool: pool)
            let row = try session.row(appending: prompt)
            let logits = try model.forward([row], cache: pool, allPositions: true)
            XCTAssertEqual(logits.rowCount, prompt.count, "\(stem): one row per position", file: file, line: line)
            for position in 0..<min(logits.rowCount, expected.count) {
                let diff = Reference.maxAbsDiff(logits[position], expected[position])
                XCTAssertLessThanOrEqual(diff, 1e-4, "\(stem) prompt \(prompt) position \(position)",
                                         file: file, line: line)
            }
        }
    }

    private func assertGreedyMatches(_ stem: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (model, reference) = try load(stem)
        let expected = try XCTUnwrap(reference.greedy, file: file, line: line)
        let pool = TestKVPool(config: model.config, blockSize: 4, capacityBlocks: 16)
        for (prompt, continuation) in zip(reference.prompts, expected) {
            let session = TestSequence(model: model, pool: pool)
            var logits = try session.append(prompt)
            var tokens: [Int] = []
            for _ in continuation {
                tokens.append(argmax(logits))
                logits = try session.append([tokens.last!])
            }
            XCTAssertEqual(tokens, continuation, "\(stem) greedy after \(prompt)", file: file, line: line)
        }
    }

    func testContiguousStateDictMatchesPyTorch() throws {
        try assertLogitsMatch("contiguous")
        try assertGreedyMatches("contiguous")
    }

    func testColumnMajorWeightsAsLoadWeightsIntoGPTLeavesThemMatchPyTorch() throws {
        try assertLogitsMatch("transposed")
        try assertGreedyMatches("transposed")
    }

    func testQKVViewsIntoOneSharedStorageMatchPyTorch() throws {
        try assertLogitsMatch("shared")
        try assertGreedyMatches("shared")
    }

    func testTrainingCheckpointWithOptimizerStateMatchesPyTorch() throws {
        try assertLogitsMatch("checkpoint")
        try assertGreedyMatches("checkpoint")
        let summary = try open("checkpoint").summary
        XCTAssertTrue(summary.format.contains("\"model_state_dict\""), summary.format)
    }

    func testZip64CheckpointMatchesPyTorch() throws {
        try assertLogitsMatch("zip64")
        try assertGreedyMatches("zip64")
    }

    func testChapter6ClassifierMatchesPyTorchAtEveryPosition() throws {
        try assertLogitsMatch("classifier")
        let (model, _) = try load("classifier")
        XCTAssertEqual(model.task, .classifier(labels: ["LABEL_0", "LABEL_1"]))
        XCTAssertEqual(model.outputWidth, 2)
    }

    func testChapter6PaddedClassificationReadsTheLastPaddedPosition() throws {
        let (model, reference) = try load("classifier")
        let classification = try XCTUnwrap(reference.classification)
        for test in classification.cases {
            let pool = TestKVPool(config: model.config, blockSize: 4, capacityBlocks: 16)
            let logits = try TestSequence(model: model, pool: pool).append(test.padded)
            XCTAssertLessThanOrEqual(Reference.maxAbsDiff(logits, test.logits), 1e-4, test.text)
            XCTAssertEqual(argmax(logits), test.label, test.text)
        }
    }

    func testConfigurationIsInferredFromTheTensors() throws {
        for stem in ["contiguous", "transposed", "shared", "classifier", "checkpoint"] {
            let (model, reference) = try load(stem)
            let expected = reference.config
            XCTAssertEqual(model.config.nEmbd, expected.emb_dim, stem)
            XCTAssertEqual(model.config.nLayer, expected.n_layers, stem)
            XCTAssertEqual(model.config.nPositions, expected.context_length, stem)
            XCTAssertEqual(model.config.vocabSize, expected.vocab_size, stem)
            XCTAssertEqual(model.config.architecture.qkvBias, expected.qkv_bias, stem)
            XCTAssertEqual(model.config.nInner, 4 * expected.emb_dim, stem)
            XCTAssertEqual(try open(stem).scheme, .book, stem)
        }
    }

    func testAnUnusualWidthWithoutAHeadCountIsAClearError() {
        XCTAssertThrowsError(try GPTModel.load(from: PthFixtures.url("contiguous.pth"))) { error in
            XCTAssertEqual(error as? ModelFileError, .unknownHeadCount(file: "contiguous.pth", width: 16))
            XCTAssertTrue("\(error)".contains("--heads"), "\(error)")
        }
        XCTAssertThrowsError(try GPTModel.load(from: PthFixtures.url("contiguous.pth"), heads: 3)) { error in
            XCTAssertEqual(error as? GPTError, .invalidConfiguration(
                file: "contiguous.pth", reason: "n_embd 16 is not divisible by n_head 3"))
        }
    }

    func testEveryTensorIsHeldOnceWhateverItsStorageLayout() throws {
        // The linear matrices are held as panels (`weightBytesPerStep`), every other tensor as one fp32 copy, and
        // nothing else: a strided view is gathered straight into its copy, never copied twice.
        for stem in ["contiguous", "transposed"] {
            let (model, reference) = try load(stem)
            let config = reference.config, c = config.emb_dim, f = model.config.nInner
            let perLayer = 4 * c + (config.qkv_bias ? 3 * c : 0) + c + f + c  // norms, q/k/v, out_proj, ff biases
            let vectors = (config.vocab_size + config.context_length) * c + config.n_layers * perLayer + 2 * c
            XCTAssertEqual(model.allocatedBytes, model.weightBytesPerStep + 4 * vectors, stem)
        }
        let transposed = try open("transposed").summary
        XCTAssertTrue(transposed.notes.contains { $0.contains("strided views") }, "\(transposed.notes)")
        let shared = try open("shared").summary
        XCTAssertTrue(shared.notes.contains { $0.contains("share a storage") }, "\(shared.notes)")
    }

    func testSummaryDescribesThePthFile() throws {
        let summary = try open("contiguous").summary
        XCTAssertEqual(summary.format, "PyTorch checkpoint (torch.save zip, state dict)")
        XCTAssertEqual(summary.dtypes, ["float32": summary.tensorCount])
        // Every parameter of the book's model; the attention masks are buffers, not parameters.
        let c = 16, v = 64, p = 16, f = 64
        let perLayer = 3 * c * c + (c * c + c) + 4 * c + (f * c + f) + (c * f + c)
        XCTAssertEqual(summary.parameterCount, v * c + p * c + 2 * perLayer + 2 * c + v * c)
    }
}

/// Hostile `.pth` files are refused by the public model loader (not only by the archive reader) with the
/// archive's own error, and nothing in them runs.
final class PyTorchModelHostileTests: XCTestCase {
    private let marker = "/tmp/gptls-pwned"

    override func setUp() { try? FileManager.default.removeItem(atPath: marker) }

    override func tearDown() {
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "a hostile pickle ran a command")
    }

    /// The list: os.system, unknown globals, truncated zip, storage smaller than size x stride, negative
    /// or overflowing shapes, a zip bomb, a 100 GB claimed entry; and the rest of the hostile fixtures.
    func testEveryHostileFixtureIsRefusedWithTheArchiveReadersError() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: PthFixtures.directory.path)
            .filter { $0.hasPrefix("hostile_") }.sorted()
        for required in ["hostile_os_system.pth", "hostile_posix_system.pth", "hostile_unknown_global.pth",
                         "hostile_truncated.pth", "hostile_storage_too_small.pth", "hostile_negative_shape.pth",
                         "hostile_overflow_shape.pth", "hostile_zip_bomb.pth", "hostile_huge_entry.pth"] {
            XCTAssertTrue(names.contains(required), "fixture \(required) is missing")
        }
        for name in names {
            let url = PthFixtures.url(name)
            var expected: CheckpointError?
            XCTAssertThrowsError(try PyTorchCheckpoint.load(contentsOf: url)) { expected = $0 as? CheckpointError }
            XCTAssertThrowsError(try GPTModel.load(from: url, heads: 2), name) { error in
                XCTAssertEqual(error as? CheckpointError, expected, name)
                XCTAssertTrue("\(error)".hasPrefix(name + ": "), "\(name): \(error)")
            }
        }
    }

    func testOsSystemThroughTheModelLoaderNamesTheCall() {
        XCTAssertThrowsError(try GPTModel.load(from: PthFixtures.url("hostile_os_system.pth"))) { error in
            XCTAssertEqual("\(error)", "hostile_os_system.pth: the pickle calls os.system, which a state dict never "
                + "needs; refusing to load it")
        }
    }

    func testAPthThatIsNotAZipIsReportedAsACheckpointNotAsSafetensors() {
        XCTAssertThrowsError(try GPTModel.load(from: PthFixtures.url("hostile_not_a_zip.pth"))) { error in
            guard case .notAZip? = error as? CheckpointError else { return XCTFail("\(error)") }
        }
    }
}
