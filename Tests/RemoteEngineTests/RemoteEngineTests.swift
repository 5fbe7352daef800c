import Dispatch
import EngineTestSupport
import Foundation
import Model
import ModelFiles
import LocalBackend
import Tasks
import Tokenizer
import XCTest
@testable import RemoteBackend

/// gptls against a real engine: llama-cpp-python's server on loopback serves a GGUF that `GGUFExport` wrote from a
/// seeded random model, and the remote backend's results equal the local ones on the same weights.
final class RemoteEngineTests: XCTestCase {
    /// The model, its GGUF, the running engine and both backends, made once for the class.
    final class Fixture {
        let directory: URL
        let engine: EngineProcess
        let remote: RemoteBackend
        /// The same endpoint with the model's tokenizer: prompts windowed in tokens, as locally.
        let tokenRemote: RemoteBackend
        let local: InProcessBackend
        let model: GPTModel
        let tokenizer: BPETokenizer

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-engine-\(UUID().uuidString)")
            let config = RandomModel.tiny
            try RandomModel.write(config: config, seed: 3, to: directory)
            tokenizer = try BPETokenizer.gpt2()
            let listing = tokenizer.listing()
            let gguf = directory.appendingPathComponent("model.gguf")
            try GGUFExport.write(try ExportedModel.read(from: directory), tokens: listing.tokens,
                                 isSpecial: listing.isSpecial, merges: listing.merges, name: "random", to: gguf)
            engine = try EngineProcess(gguf: gguf, contextLength: config.nPositions)
            remote = RemoteBackend(endpoint: try RemoteEndpoint(url: engine.url, model: engine.model))
            var options = RemoteBackend.Options()
            options.contextTokens = config.nPositions
            tokenRemote = RemoteBackend(endpoint: try RemoteEndpoint(url: engine.url, model: engine.model),
                                        options: options, tokenizer: tokenizer)
            local = try ModelLoader.backend(BackendConfiguration(
                models: [.completion: directory.path, .summarize: directory.path, .classify: directory.path],
                cacheBudgetMB: 16))
            model = try GPTModel.load(from: directory)
        }

        deinit {
            remote.shutdown()
            tokenRemote.shutdown()
            local.shutdown()
            engine.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    nonisolated(unsafe) private static var shared: Result<Fixture, Error>?

    private func fixture() throws -> Fixture {
        if Self.shared == nil { Self.shared = Result { try Fixture() } }
        return try Self.shared!.get()
    }

    override class func tearDown() {
        shared = nil
        super.tearDown()
    }

    /// Greedy continuation with gptls's own forward pass: what `gptls generate` prints.
    private func localGreedy(_ fixture: Fixture, prompt: String, maxTokens: Int) throws -> String {
        let engine = OfflineEngine(model: fixture.model, pool: KVBlockPool(for: fixture.model, capacityBlocks: 32))
        let end = Set([fixture.tokenizer.endOfText].compactMap { $0 })
        let tokens = try engine.generate(fixture.tokenizer.encode(prompt), maxTokens: maxTokens, stopTokens: end).tokens
        return fixture.tokenizer.decode(tokens)
    }

    private func wait<T>(_ start: (@escaping @Sendable (Result<T, TaskError>) -> Void) -> Void) throws -> T {
        try XCTUnwrap(waitForTask(start)).get()
    }

    func testGreedyCompletionThroughTheEngineEqualsLocalGreedyOnTheExportedWeights() throws {
        let fixture = try fixture()
        for prompt in ["def mean(values):", "The quick brown fox jumps over", "import numpy as np\n\nx = np."] {
            let expected = try localGreedy(fixture, prompt: prompt, maxTokens: 12)
            let remote = try wait { finish in
                _ = fixture.remote.complete(CompletionTask(documentKey: prompt, prefix: prompt, maxTokens: 12),
                                            onFinish: finish)
            }
            XCTAssertEqual(remote.text, expected, "greedy continuation of \(prompt.debugDescription)")
            XCTAssertGreaterThan(remote.metrics.generatedTokens, 0)
        }
    }

    func testWithTheTokenizerADocumentLongerThanTheContextCompletesAsLocallyThroughTheEngine() throws {
        let fixture = try fixture()
        // About 1,500 tokens, where the engine's context holds 256: the window must be cut in tokens.
        let document = (0..<120).map { "x\($0) = values[\($0)] * 2\n" }.joined() + "def mean(values):"
        let remote = try wait { finish in
            _ = fixture.tokenRemote.complete(CompletionTask(documentKey: "long", prefix: document, maxTokens: 12),
                                             onFinish: finish)
        }
        let local = try wait { finish in
            _ = fixture.local.complete(CompletionTask(documentKey: "long", prefix: document, maxTokens: 12),
                                       onFinish: finish)
        }
        // The window local completion uses: its greedy continuation is what the engine must return.
        let tokens = fixture.tokenizer.encode(String(PromptWindow.recentText(document, contextLength: 256)))
        let start = PromptWindow.start(tokenCount: tokens.count, capacity: 256 - 12, step: (256 - 12) / 4)
        XCTAssertGreaterThan(start, 0, "the document is longer than the context")
        let window = fixture.tokenizer.decode(Array(tokens[start...]))
        XCTAssertEqual(remote.text, try localGreedy(fixture, prompt: window, maxTokens: 12))
        XCTAssertEqual(remote.metrics.promptTokens, tokens.count - start)
        XCTAssertEqual(remote.metrics.promptUnit, .tokens)
        // Local completion heals the prompt's last token (generating it again, out of the same 12), so its text is
        // the engine's less the last token.
        XCTAssertTrue(remote.text.hasPrefix(local.text) && local.text.count < remote.text.count,
                      "\(remote.text.debugDescription) vs local \(local.text.debugDescription)")
    }

    func testZeroShotProbabilitiesThroughTheEngineEqualLocalOnesWithin1e3() throws {
        let fixture = try fixture()
        for (text, labels) in [("let total = values.reduce(0, +)", ["code", "prose", "poetry"]),
                               ("The weather was fine all week.", ["positive", "negative"])] {
            let task = ClassificationTask(text: text, labels: labels)
            let remote = try wait { _ = fixture.remote.classify(task, onFinish: $0) }
            let local = try wait { _ = fixture.local.classify(task, onFinish: $0) }
            let remoteScores = Dictionary(uniqueKeysWithValues: remote.scores.map { ($0.label, $0.probability) })
            for score in local.scores {
                let other = try XCTUnwrap(remoteScores[score.label])
                XCTAssertEqual(other, score.probability, accuracy: 1e-3, "\(score.label) for \(text.debugDescription)")
            }
            XCTAssertEqual(remote.label, local.label)
        }
        // llama-cpp-python scores each echoed token with the distribution after it; the probe must notice.
        guard case .success(.forced) = fixture.remote.scoring else {
            return XCTFail("the probe did not find llama-cpp-python's shifted echo: \(String(describing: fixture.remote.scoring))")
        }
    }

    func testAStopRuleEndsTheCompletionEarlyAndStatusShowsTheEndpointHealthy() throws {
        let fixture = try fixture()
        let full = try localGreedy(fixture, prompt: "The quick brown fox", maxTokens: 12)
        let firstWord = try XCTUnwrap(full.dropFirst().firstIndex(of: " ").map { String(full[..<$0]) })
        let result = try wait { finish in
            _ = fixture.remote.complete(CompletionTask(documentKey: "stop", prefix: "The quick brown fox", maxTokens: 12,
                                                       stop: { $0.dropFirst().contains(" ") }), onFinish: finish)
        }
        XCTAssertTrue(result.text.hasPrefix(firstWord), "\(result.text.debugDescription) vs \(full.debugDescription)")
        XCTAssertLessThan(result.text.count, full.count, "the rule ended it before max tokens")
        let endpoint = try XCTUnwrap(fixture.remote.status.endpoints.first)
        XCTAssertTrue(endpoint.healthy, "\(endpoint)")
        XCTAssertEqual(endpoint.url, fixture.engine.url)
    }

    func testASummaryThroughTheEngineUsesTheSamePromptAndEqualsTheLocalOne() throws {
        let fixture = try fixture()
        let task = SummaryTask(text: "func add(a: Int, b: Int) -> Int { a + b }", maxTokens: 10)
        let remote = try wait { _ = fixture.remote.summarize(task, progress: { _, _ in }, onFinish: $0) }
        let local = try wait { _ = fixture.local.summarize(task, progress: { _, _ in }, onFinish: $0) }
        XCTAssertEqual(remote.text, local.text)
    }

    func testWithoutAModelNameTheEnginesOnlyModelServesTheTasks() throws {
        let fixture = try fixture()
        let backend = try RemoteBackend(configuration: EndpointConfiguration(url: fixture.engine.url))
        defer { backend.shutdown() }
        XCTAssertEqual(backend.endpoint.model, fixture.engine.model, "llama-cpp-python serves one model")
        let prompt = "def mean(values):"
        let remote = try wait { finish in
            _ = backend.complete(CompletionTask(documentKey: "unnamed", prefix: prompt, maxTokens: 12),
                                 onFinish: finish)
        }
        XCTAssertEqual(remote.text, try localGreedy(fixture, prompt: prompt, maxTokens: 12))
        XCTAssertEqual(backend.status.endpoints.first?.model, fixture.engine.model)
    }
}
