import EngineTestSupport
import Foundation
import ModelFiles
import Tasks
import Tokenizer
import XCTest
@testable import RemoteBackend

/// Fill-in-the-middle against real engines, with a random GPT-2 whose vocabulary has Qwen2.5-Coder's FIM tokens
/// after GPT-2's: llama.cpp's llama-server recognises them by their text and serves `/infill`; llama-cpp-python's
/// server has no `/infill`, so the backend falls back to the FIM layout over `/v1/completions`.
final class InfillEngineTests: XCTestCase {
    private static let fimTokens = ["<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
                                    "<|repo_name|>", "<|file_sep|>"]
    private var directory: URL!
    private var engine: EngineProcess?

    override func tearDown() {
        engine?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func start(_ kind: EngineProcess.Kind, fim: FIMChoice) throws -> RemoteBackend {
        _ = try EngineProcess.python(for: kind)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-fim-engine-\(UUID().uuidString)")
        var config = RandomModel.tiny
        config.vocabSize += Self.fimTokens.count
        // llama-server keeps of input_extra what its context has beyond its batch: 1024 - 256 here.
        config.nPositions = 1024
        try RandomModel.write(config: config, seed: 5, to: directory)
        let listing = try BPETokenizer.gpt2().listing()
        let gguf = directory.appendingPathComponent("model.gguf")
        try GGUFExport.write(try ExportedModel.read(from: directory), tokens: listing.tokens + Self.fimTokens,
                             isSpecial: listing.isSpecial + Self.fimTokens.map { _ in true }, merges: listing.merges,
                             name: "random-fim", to: gguf)
        let engine = try EngineProcess(gguf: gguf, contextLength: config.nPositions, kind: kind, batch: 256)
        self.engine = engine
        var options = RemoteBackend.Options()
        options.fim = fim
        return RemoteBackend(endpoint: try RemoteEndpoint(url: engine.url, model: engine.model), options: options)
    }

    private func task(_ typed: String, context: Bool = true) -> CompletionTask {
        CompletionTask(documentKey: "file:///w/stats.py",
                       prefix: "import math\n\ndef mean(values):\n    total = sum(values)\n    " + typed, maxTokens: 8,
                       suffix: "\n\nprint(mean([1, 2, 3]))\n",
                       context: [ContextChunk(name: "util.py", text: "def count(values):\n    return len(values)\n")],
                       contextTokens: context ? 64 : 0)
    }

    func testLlamaServerAnswersInfillAndReusesItsCachedPromptOnTheNextKeystroke() throws {
        let backend = try start(.llamaServer, fim: .automatic)
        defer { backend.shutdown() }
        let first = try XCTUnwrap(waitForTask { _ = backend.complete(task("re"), onFinish: $0) }).get()
        XCTAssertEqual(backend.infillSupport, .available)
        XCTAssertEqual(first.metrics.promptUnit, .tokens, "the engine's own counts: \(first.metrics)")
        XCTAssertGreaterThan(first.metrics.generatedTokens, 0)
        let second = try XCTUnwrap(waitForTask { _ = backend.complete(task("ret"), onFinish: $0) }).get()
        print("llama-server /infill, two keystrokes: prompt \(first.metrics.promptTokens) and "
              + "\(second.metrics.promptTokens) tokens, reused \(second.metrics.reusedTokens), computed "
              + "\(second.metrics.computedTokens)")
        XCTAssertGreaterThan(second.metrics.reusedTokens, second.metrics.computedTokens,
                             "the context block and the prefix come from the engine's cache: \(second.metrics)")
        let alone = try XCTUnwrap(waitForTask { _ = backend.complete(task("ret", context: false), onFinish: $0) }).get()
        // The chunk's text, its file name and the repository line (`<|repo_name|>myproject\n<|file_sep|>util.py\n`).
        XCTAssertGreaterThan(second.metrics.promptTokens - alone.metrics.promptTokens, 12,
                             "input_extra reaches the prompt: \(second.metrics) against \(alone.metrics)")
    }

    func testLlamaCppPythonHasNoInfillAndGetsTheQwenLayoutOverCompletions() throws {
        let backend = try start(.llamaCppPython, fim: .family(.qwen))
        defer { backend.shutdown() }
        let result = try XCTUnwrap(waitForTask { _ = backend.complete(task("re"), onFinish: $0) }).get()
        XCTAssertEqual(backend.infillSupport, .unavailable)
        XCTAssertEqual(result.metrics.promptUnit, .characters)
        XCTAssertGreaterThan(result.metrics.generatedTokens, 0)
    }
}
