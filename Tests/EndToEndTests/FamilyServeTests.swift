import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// `gptls serve` on tiny random Llama 3, Qwen2 and Qwen3 directories, driven the way an editor drives it: typing
/// with inline completions reuses the cached prompt as with GPT-2, a summary comes back, zero-shot classification
/// gives probabilities, and a summary whose instruction cannot fit is refused by its sizes while the server keeps
/// serving.
///
/// The family fixtures (training/fixtures/make_family_fixtures.py) hold 128 positions, which a byte-level prompt
/// fills in 128 characters; positions are rotary, so the same weights with a longer `max_position_embeddings` are
/// the same model with room for an editor's prompt. Each test writes that directory, with the Qwen2 fixture's
/// byte-level tokenizer.json (its 256 bytes fit every family's vocabulary of 256) where it has none.
final class FamilyServeTests: XCTestCase {
    private static let fixtures = Binary.repository.appendingPathComponent("Tests/ModelTestSupport/Fixtures")
    /// The families, and whether the directory has a ChatML chat template (family-qwen2-chat, with ChatML's special
    /// tokens after the bytes and 1024 positions of its own).
    private static let families = [("family-llama", false), ("family-qwen2", false), ("family-qwen3", false),
                                   ("family-qwen2-chat", true)]
    private static let document = """
        def mean(values):
            total = 0
            for value in values:
                total += value
            return total / len(values)


        def variance(values):
            centre = mean(values)
            return sum((value - centre) ** 2 for value in values) / len(values)


        def

        """

    /// A copy of `family` with `positions` positions and the byte-level tokenizer, in a directory removed after the
    /// test.
    private func model(_ family: String, positions: Int) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-\(family)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let source = Self.fixtures.appendingPathComponent(family)
        for file in try FileManager.default.contentsOfDirectory(atPath: source.path) where file != "config.json" {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file),
                                             to: directory.appendingPathComponent(file))
        }
        let tokenizer = directory.appendingPathComponent("tokenizer.json")
        if !FileManager.default.fileExists(atPath: tokenizer.path) {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("family-qwen2/tokenizer.json"),
                                             to: tokenizer)
        }
        let configData = try Data(contentsOf: source.appendingPathComponent("config.json"))
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: configData) as? [String: Any])
        config["max_position_embeddings"] = positions
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("config.json"))
        return directory
    }

    /// Starts `gptls serve` on `model`, initialised with short replies, with `document` open at file:///t/stats.py.
    private func serve(_ model: URL, text: String) throws -> ServerProcess {
        let server = try ServerProcess(executable: try Binary.gptls,
                                       arguments: ["serve", "--model", model.path, "--log-level", "warning"],
                                       captureStandardError: true)
        _ = try server.client.request("initialize", params: [
            "processId": .null, "capabilities": [:], "initializationOptions": ["maxTokens": 8],
        ], timeout: 60)
        server.client.notify("initialized", params: [:])
        server.client.notify("textDocument/didOpen", params: ["textDocument": [
            "uri": "file:///t/stats.py", "languageId": "python", "version": 1, "text": .string(text),
        ]])
        return server
    }

    /// Types `keys` at the end of the open document one at a time, asking for an inline completion after each; the
    /// metrics of each answer.
    private func type(_ keys: String, into server: ServerProcess, after text: String) throws -> [JSONValue] {
        var cursor = TypingCursor(after: text)
        var metrics: [JSONValue] = []
        for (index, key) in keys.enumerated() {
            server.client.notify("textDocument/didChange", params: [
                "textDocument": ["uri": "file:///t/stats.py", "version": .int(index + 2)],
                "contentChanges": [[
                    "range": ["start": ["line": .int(cursor.line), "character": .int(cursor.character)],
                              "end": ["line": .int(cursor.line), "character": .int(cursor.character)]],
                    "text": .string(String(key)),
                ]],
            ])
            cursor.advance(over: key)
            let result = try server.client.request("textDocument/inlineCompletion", params: [
                "textDocument": ["uri": "file:///t/stats.py"],
                "position": ["line": .int(cursor.line), "character": .int(cursor.character)],
                "context": ["triggerKind": 2],
            ], timeout: 60)
            metrics.append(try XCTUnwrap(result["metrics"], result.jsonText))
        }
        return metrics
    }

    /// Serves `model`, types into the document asking for completions, and checks that every answer has metrics,
    /// the first with the whole document as its prompt and the rest reusing what they do not compute; the server,
    /// still running, and the tokens each keystroke after the first computed.
    private func typing(_ model: URL, label: String) throws -> (ServerProcess, [Int]) {
        let server = try serve(model, text: Self.document)
        let metrics = try type("variance_of", into: server, after: Self.document)
        let prompts = metrics.compactMap { $0["promptTokens"]?.int }
        let computed = metrics.compactMap { $0["computedTokens"]?.int }
        let reused = metrics.compactMap { $0["reusedTokens"]?.int }
        print("\(label): prompt tokens \(prompts), reused \(reused), computed \(computed)")
        XCTAssertEqual(prompts.count, metrics.count, "\(label): \(metrics.map(\.jsonText))")
        XCTAssertEqual(computed.first, prompts.first, "\(label): the first request computes its whole prompt")
        for index in computed.indices.dropFirst() {
            XCTAssertEqual(reused[index] + computed[index], prompts[index], label)
        }
        return (server, Array(computed.dropFirst()))
    }

    /// Typing reuses the cached prompt as with GPT-2: after the first request each keystroke computes only its own
    /// token (a byte-level tokenizer gives one a keystroke; a keystroke that re-merges the last BPE token of GPT-2's
    /// computes two); then a summary in the directory's format (ChatML where its chat template writes it, else
    /// Alpaca), its prompt a token a byte and one for each control token, and a two-label classification whose
    /// probabilities sum to 1.
    func testEveryFamilyServesCompletionWithPromptReuseSummaryAndClassification() throws {
        let (reference, gpt2) = try typing(URL(fileURLWithPath: Binary.model), label: "GPT-2 test model")
        reference.stop()
        for (family, chat) in Self.families {
            let (server, computed) = try typing(try model(family, positions: 1024), label: family)
            defer { server.stop() }
            XCTAssertLessThanOrEqual(computed.reduce(0, +), max(gpt2.reduce(0, +), computed.count),
                                     "\(family) computes more per keystroke than GPT-2: \(computed) against \(gpt2)")
            XCTAssertLessThanOrEqual(computed.max() ?? .max, 2, family)

            let summary = try server.client.request("gptls/summarize", params: ["text": .string(Self.document)],
                                                    timeout: 120)
            XCTAssertNotNil(summary["summary"]?.string, "\(family): \(summary.jsonText)")
            XCTAssertEqual(summary["metrics"]?["promptTokens"]?.int,
                           Self.summaryPromptTokens(of: Self.document, chat: chat), "\(family): \(summary.jsonText)")

            let classified = try server.client.request("gptls/classify", params: [
                "text": "print('hi')", "labels": ["python", "swift"],
            ], timeout: 120)
            let scores = try XCTUnwrap(classified["scores"]?.array, "\(family): \(classified.jsonText)")
            XCTAssertEqual(Set(scores.compactMap { $0["label"]?.string }), ["python", "swift"], family)
            XCTAssertEqual(scores.compactMap { $0["probability"]?.double }.reduce(0, +), 1, accuracy: 1e-4, family)
            XCTAssertTrue(["python", "swift"].contains(classified["label"]?.string ?? ""), family)
        }
    }

    /// The tokens of the summary prompt for `input` under a byte-level tokenizer: ChatML's control tokens count one
    /// each, the rest a token a byte.
    private static func summaryPromptTokens(of input: String, chat: Bool) -> Int {
        let instruction = "Summarize the following code."
        guard chat else {
            return ("Below is an instruction that describes a task. Write a response that appropriately completes the "
                    + "request.\n\n### Instruction:\n\(instruction)\n\n### Input:\n\(input)\n\n### Response:\n").utf8.count
        }
        let text = "system\nYou are a helpful assistant.\nuser\n\(instruction)\n\n\(input)\nassistant\n"
        return text.utf8.count + 5  // <|im_start|> three times, <|im_end|> twice
    }

    /// With the fixture's own 128 positions the document does not fit: the prompt is the window of its last tokens,
    /// which moves in steps of a quarter of its capacity (`PromptWindow`), so only the keystroke that moves it
    /// computes the whole prompt and the others reuse it. (A demo that types more than a step between requests sees
    /// every request move the window, and none reuse.)
    func testWithTheFixturesContextOnlyTheKeystrokeThatMovesTheWindowComputesTheWholePrompt() throws {
        let server = try serve(try model("family-qwen2", positions: 128), text: Self.document)
        defer { server.stop() }
        let metrics = try type("variance_of", into: server, after: Self.document)
        let computed = metrics.compactMap { $0["computedTokens"]?.int }
        let prompts = metrics.compactMap { $0["promptTokens"]?.int }
        print("family-qwen2 at 128 positions: prompt tokens \(prompts), computed \(computed)")
        XCTAssertEqual(computed.count, metrics.count, "\(metrics.map(\.jsonText))")
        XCTAssertLessThanOrEqual(prompts.max() ?? .max, 120, "the window holds the context less the reply's 8 tokens")
        let whole = computed.dropFirst().filter { $0 > 17 }.count
        XCTAssertLessThanOrEqual(whole, 1, "a step of 30 tokens moves at most once in 11 keystrokes: \(computed)")
    }

    /// With the fixture's 128 positions the Alpaca instruction alone (a byte a token) does not fit: the summary is
    /// refused with both sizes, and the server goes on answering completions and classifications and shuts down
    /// cleanly.
    func testASummaryWhoseInstructionDoesNotFitIsRefusedBySizeAndTheServerKeepsServing() throws {
        let server = try serve(try model("family-qwen2", positions: 128), text: "def mean(values):\n    ")
        defer { server.stop() }
        XCTAssertThrowsError(try server.client.request("gptls/summarize", params: ["text": "def mean(values): pass"],
                                                       timeout: 120)) { error in
            let message = (error as? ResponseError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains("but the model's context holds 128"), message)
            XCTAssertNotNil(message.range(of: #"the prompt has \d+ tokens"#, options: .regularExpression), message)
        }
        let completion = try server.client.request("textDocument/inlineCompletion", params: [
            "textDocument": ["uri": "file:///t/stats.py"], "position": ["line": 1, "character": 4],
            "context": ["triggerKind": 1],
        ], timeout: 60)
        XCTAssertNotNil(completion["items"]?.array, completion.jsonText)
        let classified = try server.client.request("gptls/classify", params: [
            "text": "print('hi')", "labels": ["python", "swift"],
        ], timeout: 120)
        XCTAssertEqual(classified["scores"]?.array?.count, 2, classified.jsonText)
        _ = try server.client.request("shutdown", timeout: 30)
        server.client.notify("exit")
        XCTAssertEqual(server.waitForExit(), 0, server.standardError)
    }
}
