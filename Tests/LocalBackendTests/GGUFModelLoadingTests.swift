import Foundation
import LocalBackend
import Tasks
import XCTest

/// A lone `.gguf` served as it is: the vocabulary inside it tokenizes, since no tokenizer files sit beside it, and its
/// chat template picks the summary prompt (Tests/ModelTestSupport/Fixtures/gguf, made by
/// training/fixtures/make_gguf_fixtures.py).
final class GGUFModelLoadingTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelTestSupport/Fixtures/gguf")

    func testALoneGGUFFileUsesItsOwnVocabulary() throws {
        let path = Self.fixtures.appendingPathComponent("llama.gguf").path
        let source = try ModelSource(model: path, task: .completion)
        XCTAssertNil(source.tokenizerDirectory)
        // The fixture's merges: "he" 256, "ll" 257, "hell" 258, "Ġw" 259, "or" 260; GPT-2's would be [31373, 995].
        XCTAssertEqual(try ModelLoader.tokenizer(for: source).encode("hello world"), [258, 111, 259, 260, 108, 100])
        let backend = try ModelLoader.backend(.init(models: [.completion: path]))
        backend.shutdown()
    }

    /// With no `weights` setting a file of quantized blocks is held in int8 and a file of floats in bf16; a setting
    /// wins. Status says which, per model.
    func testTheWeightFormatFollowsTheFileUnlessTheSettingNamesOneAndStatusSaysWhich() throws {
        let cases: [(file: String, setting: WeightPrecision?, held: String)] = [
            ("family-qwen3-q8_0.gguf", nil, "int8"), ("family-qwen3.gguf", nil, "bf16"),
            ("family-qwen3-q8_0.gguf", .bf16, "bf16"), ("family-qwen3.gguf", .f32, "f32"),
        ]
        for (file, setting, held) in cases {
            let path = Self.fixtures.appendingPathComponent(file).path
            let backend = try ModelLoader.backend(.init(models: [.completion: path], weights: setting))
            defer { backend.shutdown() }
            // The completion model's cache comes first; the other tasks run the bundled model (floats).
            let formats = backend.status.caches.map(\.weightFormat)
            XCTAssertEqual(formats.first, held, "\(file), setting \(String(describing: setting))")
            XCTAssertEqual(formats.last, setting?.rawValue ?? "bf16", "the bundled model")
        }
    }

    /// A GGUF instruct model's `tokenizer.chat_template` picks its summary prompt, ChatML or Llama 3's headers,
    /// with the control tokens from its vocabulary (ids 256-258 after the bytes), one token each.
    func testAGGUFChatTemplatePicksTheSummaryFormat() throws {
        let cases: [(String, InstructionFormat, [String])] = [
            ("chat-chatml.gguf", .chatML, ["<|im_start|>", "<|im_end|>"]),
            ("chat-llama3.gguf", .llama3, ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]),
        ]
        for (file, format, controls) in cases {
            let path = Self.fixtures.appendingPathComponent(file).path
            let source = try ModelSource(model: path, task: .summarize)
            XCTAssertEqual(try ModelLoader.instructionFormat(for: source), format, file)
            let tokenizer = try ModelLoader.tokenizer(for: source)
            let text = "def mean(values): return sum(values) / len(values)"
            let backend = try ModelLoader.backend(.init(models: [.summarize: path]))
            defer { backend.shutdown() }
            XCTAssertEqual(backend.summarizeModel.instructionFormat, format, file)
            let prompt = format.tokens(instruction: backend.summaryInstruction, input: text, tokenizer: tokenizer)
            for control in controls {
                XCTAssertEqual(tokenizer.encode(control, allowedSpecial: [control]).count, 1, control)
                XCTAssertTrue(prompt.contains(tokenizer.encode(control, allowedSpecial: [control])[0]), control)
            }
            let done = expectation(description: file)
            let outcome = LockedBox<Result<TextResult, TaskError>?>(nil)
            _ = backend.summarize(SummaryTask(text: text, maxTokens: 4), progress: { _, _ in }) { result in
                outcome.value = result
                done.fulfill()
            }
            wait(for: [done], timeout: 60)
            let result = try XCTUnwrap(outcome.value).get()
            XCTAssertEqual(result.metrics.promptTokens, prompt.count, file)
            let alpaca = InstructionFormat.alpaca.tokens(instruction: backend.summaryInstruction, input: text,
                                                         tokenizer: tokenizer)
            XCTAssertNotEqual(result.metrics.promptTokens, alpaca.count, file)
        }
    }
}

/// A value written on the backend's thread and read on the test's once an expectation is fulfilled.
private final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
