import Dispatch
import EngineTestSupport
import Foundation
import LocalBackend
import Model
import ModelFiles
import Tasks
import Tokenizer
import XCTest
@testable import RemoteBackend

/// gptls against llama.cpp's own llama-server (prebuilt in xllamacpp): completions stream and equal local greedy
/// ones, and zero-shot classification, which needs echoed prompt log-probabilities that llama-server does not
/// return, fails with an error that names the missing capability.
final class LlamaServerTests: XCTestCase {
    private var directory: URL!
    private var engine: EngineProcess?

    override func tearDown() {
        engine?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func start() throws -> (RemoteBackend, GPTModel, BPETokenizer) {
        _ = try EngineProcess.python(for: .llamaServer)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-llama-server-\(UUID().uuidString)")
        try RandomModel.write(config: RandomModel.tiny, seed: 11, to: directory)
        let tokenizer = try BPETokenizer.gpt2()
        let listing = tokenizer.listing()
        let gguf = directory.appendingPathComponent("model.gguf")
        try GGUFExport.write(try ExportedModel.read(from: directory), tokens: listing.tokens,
                             isSpecial: listing.isSpecial, merges: listing.merges, name: "random", to: gguf)
        let engine = try EngineProcess(gguf: gguf, contextLength: RandomModel.tiny.nPositions, kind: .llamaServer)
        self.engine = engine
        let backend = RemoteBackend(endpoint: try RemoteEndpoint(url: engine.url, model: engine.model))
        return (backend, try GPTModel.load(from: directory), tokenizer)
    }

    private func wait<T>(_ start: (@escaping @Sendable (Result<T, TaskError>) -> Void) -> Void) -> Result<T, TaskError>? {
        waitForTask(start)
    }

    func testGreedyCompletionEqualsLocalAndClassificationNamesTheMissingCapability() throws {
        let (backend, model, tokenizer) = try start()
        defer { backend.shutdown() }
        let prompt = "for index in range(10):"
        let engine = OfflineEngine(model: model, pool: KVBlockPool(for: model, capacityBlocks: 32))
        let end = Set([tokenizer.endOfText].compactMap { $0 })
        let tokens = try engine.generate(tokenizer.encode(prompt), maxTokens: 12, stopTokens: end).tokens
        let remote = wait { finish in
            _ = backend.complete(CompletionTask(documentKey: "a", prefix: prompt, maxTokens: 12), onFinish: finish)
        }
        XCTAssertEqual(try XCTUnwrap(remote).get().text, tokenizer.decode(tokens))

        let classified = wait { _ = backend.classify(ClassificationTask(text: "x = 1", labels: ["code", "prose"]), onFinish: $0) }
        guard case .failure(.endpoint(_, let cause)) = classified else {
            return XCTFail("expected an endpoint error, got \(String(describing: classified))")
        }
        XCTAssertTrue(cause.contains("prompt log-probabilities"), cause)
    }
}
