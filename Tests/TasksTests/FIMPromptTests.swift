import Foundation
import Tasks
import Tokenizer
import XCTest

/// Fill-in-the-middle prompts: the layout in exact token ids, the split of the context between context block,
/// prefix and suffix, and windows that stay put across keystrokes.
final class FIMPromptTests: XCTestCase {
    private typealias V = FIMVocabulary
    private var tokenizer: BPETokenizer!

    override func setUpWithError() throws { tokenizer = try FIMVocabulary.tokenizer() }

    private func prompt(_ task: CompletionTask, context: Int = 256,
                        fim: FIMChoice = .automatic) throws -> (tokens: [Int], cap: Int, isFIM: Bool) {
        let (prompt, cap, isFIM) = InlineCompletion.prompt(for: task, measure: .tokens(tokenizer, context: context),
                                                           fim: fim)
        guard case .tokens(let tokens) = prompt else { throw XCTSkip("a token measure gives token prompts") }
        return (tokens, cap, isFIM)
    }

    func testTheQwenLayoutIsRecognisedByItsTokenTextsAndItsEndsStopGeneration() throws {
        let format = try XCTUnwrap(FIMFormat.recognised(in: tokenizer))
        XCTAssertEqual(format.family, .qwen)
        let ids = try XCTUnwrap(format.tokens(in: tokenizer))
        XCTAssertEqual([ids.prefix, ids.suffix, ids.middle, ids.repositoryName, ids.fileSeparator],
                       [V.fimPrefix, V.fimSuffix, V.fimMiddle, V.repoName, V.fileSep])
        XCTAssertTrue(tokenizer.stopTokens.isSuperset(of: [V.endOfText, V.fimPad, V.fileSep, V.repoName]))
        XCTAssertNil(FIMFormat.recognised(in: try BPETokenizer.gpt2()), "GPT-2 has no FIM tokens")
    }

    func testWithoutContextThePromptIsPrefixThenSuffixThenMiddle() throws {
        let task = CompletionTask(documentKey: "file:///w/main.py", prefix: "def f(x):\n    return ", maxTokens: 8,
                                  suffix: "\nprint(f(2))\n")
        let (tokens, cap, isFIM) = try prompt(task, context: 64)
        XCTAssertTrue(isFIM)
        XCTAssertEqual(cap, 8)
        XCTAssertEqual(tokens, [V.fimPrefix] + V.bytes("def f(x):\n    return ") + [V.fimSuffix]
                       + V.bytes("\nprint(f(2))\n") + [V.fimMiddle])
    }

    func testContextChunksComeFirstInTheRepositoryFormNamingTheCurrentFileLast() throws {
        let task = CompletionTask(documentKey: "file:///w/src/main%20app.py", prefix: "x = g(", maxTokens: 8,
                                  suffix: ")\n", context: [ContextChunk(name: "util.py", text: "def g(): pass"),
                                                           ContextChunk(name: "b.py", text: "B = 1\n")],
                                  contextTokens: 100)
        let (tokens, _, _) = try prompt(task)
        let expected = [V.repoName] + V.bytes("workspace\n")
            + [V.fileSep] + V.bytes("util.py\ndef g(): pass\n") + [V.fileSep] + V.bytes("b.py\nB = 1\n")
            + [V.fileSep] + V.bytes("main app.py\n")
            + [V.fimPrefix] + V.bytes("x = g(") + [V.fimSuffix] + V.bytes(")\n") + [V.fimMiddle]
        XCTAssertEqual(tokens, expected)
    }

    func testAChunkThatDoesNotFitIsLeftOutWholeAndTheBlockTakesAtMostItsBudget() throws {
        let big = ContextChunk(name: "big.py", text: String(repeating: "y = 2\n", count: 40))
        let small = ContextChunk(name: "s.py", text: "z = 3\n")
        let task = CompletionTask(documentKey: "file:///m.py", prefix: "a", maxTokens: 8, context: [big, small],
                                  contextTokens: 60)
        let (tokens, _, _) = try prompt(task)
        let block = Array(tokens.prefix { $0 != V.fimPrefix })
        XCTAssertEqual(block, [V.repoName] + V.bytes("workspace\n") + [V.fileSep] + V.bytes("s.py\nz = 3\n")
                       + [V.fileSep] + V.bytes("m.py\n"))
        XCTAssertLessThanOrEqual(block.count, 60)
        let nothingFits = CompletionTask(documentKey: "file:///m.py", prefix: "a", maxTokens: 8, context: [big],
                                         contextTokens: 60)
        XCTAssertEqual(try prompt(nothingFits).tokens.first, V.fimPrefix, "no chunk, no repository header")
    }

    func testWithRoomForOneChunkTheMostSimilarIsKeptWhereverItStandsInTheOrder() throws {
        // The workspace sends chunks in a stable order with their ranks by similarity; here the second is the best.
        let other = ContextChunk(name: "a.py", text: "a = 1\n", rank: 1)
        let best = ContextChunk(name: "b.py", text: "b = 2\n", rank: 0)
        let third = ContextChunk(name: "c.py", text: "c = 3\n", rank: 2)
        let task = CompletionTask(documentKey: "file:///m.py", prefix: "x", maxTokens: 8, context: [other, best, third],
                                  contextTokens: 30)
        let (tokens, _, _) = try prompt(task)
        let block = Array(tokens.prefix { $0 != V.fimPrefix })
        XCTAssertEqual(block, [V.repoName] + V.bytes("workspace\n") + [V.fileSep] + V.bytes("b.py\nb = 2\n")
                       + [V.fileSep] + V.bytes("m.py\n"))
        let roomy = CompletionTask(documentKey: "file:///m.py", prefix: "x", maxTokens: 8, context: [other, best, third],
                                   contextTokens: 45)
        let names = try prompt(roomy).tokens.split(separator: V.fileSep).dropFirst().map { Array($0.prefix(4)) }
        XCTAssertEqual(names, [V.bytes("a.py"), V.bytes("b.py"), V.bytes("m.py")],
                       "two fit: the two most similar, in the order sent")
    }

    func testLongTextIsSplitThreeToOneBetweenPrefixAndSuffixAndFitsWithTheReply() throws {
        let prefix = (0..<100).map { "a\($0) = \($0)\n" }.joined()
        let suffix = (0..<100).map { "b\($0) = \($0)\n" }.joined()
        let task = CompletionTask(documentKey: "file:///m.py", prefix: prefix, maxTokens: 40, suffix: suffix,
                                  context: [ContextChunk(name: "u.py", text: "u = 1\n")], contextTokens: 1000)
        let (tokens, cap, _) = try prompt(task, context: 256)
        XCTAssertEqual(cap, 40)
        // 256 - 40 - 3 control tokens = 213: context at most half (106), suffix a quarter of the rest (26).
        let start = try XCTUnwrap(tokens.firstIndex(of: V.fimPrefix))
        let middle = try XCTUnwrap(tokens.firstIndex(of: V.fimSuffix))
        XCTAssertEqual(Array(tokens[(middle + 1)...].dropLast()), Array(V.bytes(suffix).prefix(26)))
        XCTAssertLessThanOrEqual(middle - start - 1, 213 - 106 - 26, "the prefix window keeps its own share")
        XCTAssertEqual(Array(tokens[(start + 1)..<middle]), Array(V.bytes(prefix).suffix(middle - start - 1)),
                       "the prefix window is the end of the prefix")
        XCTAssertLessThanOrEqual(tokens.count + cap, 256)
    }

    func testConsecutiveKeystrokesKeepTheBlockAndThePrefixWindowsStart() throws {
        let prefix = (0..<60).map { "a\($0) = \($0)\n" }.joined()
        let chunks = [ContextChunk(name: "u.py", text: "u = 1\n")]
        var previous: [Int]?
        var reused: [Int] = []
        for typed in 0..<12 {
            let text = prefix + String(repeating: "x", count: typed)
            let task = CompletionTask(documentKey: "file:///m.py", prefix: text, maxTokens: 16, suffix: "\nend\n",
                                      context: chunks, contextTokens: 64)
            let tokens = try prompt(task, context: 256).tokens
            if let previous { reused.append(zip(previous, tokens).prefix { $0 == $1 }.count) }
            previous = tokens
        }
        let start = try XCTUnwrap(previous?.firstIndex(of: V.fimPrefix))
        // Within one window step, a keystroke keeps everything up to its prefix's end: the block, the FIM prefix
        // token and all but the last token of the previous prefix window.
        XCTAssertGreaterThan(reused.filter { $0 > start }.count, reused.count / 2, "\(reused)")
    }

    func testAFIMRequestIsNotHealedAndKeepsTheTasksRules() throws {
        let generator = ScriptedGenerator(measure: .tokens(tokenizer, context: 64), replies: [.pieces(["x"])])
        let task = CompletionTask(documentKey: "file:///m.py", prefix: "a = ", maxTokens: 8, stop: { $0.contains("\n") },
                                  client: "editor", suffix: "\n")
        let outcomes = Outcomes<TextResult>()
        _ = InlineCompletion.run(task, on: generator, onFinish: outcomes.onFinish)
        XCTAssertEqual(try XCTUnwrap(outcomes.only).get().text, "x")
        let request = try XCTUnwrap(generator.generations.first)
        XCTAssertFalse(request.endsAtCursor, "the prompt ends with the middle token, not at the cursor")
        XCTAssertEqual(request.prompt, .tokens([V.fimPrefix] + V.bytes("a = ") + [V.fimSuffix] + V.bytes("\n")
                                               + [V.fimMiddle]))
        XCTAssertEqual(request.supersedeKey, task.supersedeKey)
        XCTAssertTrue(request.stop("b\n"))
    }

    func testSuffixFirstThePrefixComesLastSoTheMiddleContinuesIt() throws {
        let suffixFirst = FIMChoice(layout: .automatic, order: .suffixPrefixMiddle)
        let task = CompletionTask(documentKey: "file:///w/m.py", prefix: "x = g(", maxTokens: 8, suffix: ")\n",
                                  context: [ContextChunk(name: "u.py", text: "def g(): pass")], contextTokens: 100)
        let (tokens, _, isFIM) = try prompt(task, fim: suffixFirst)
        XCTAssertTrue(isFIM)
        XCTAssertEqual(tokens, [V.repoName] + V.bytes("workspace\n") + [V.fileSep] + V.bytes("u.py\ndef g(): pass\n")
                       + [V.fileSep] + V.bytes("m.py\n")
                       + [V.fimPrefix, V.fimSuffix] + V.bytes(")\n") + [V.fimMiddle] + V.bytes("x = g("))
        let limits = CharacterLimits(completion: 400, input: 100)
        let text = InlineCompletion.prompt(for: task, measure: .characters(limits),
                                           fim: FIMChoice(layout: .family(.qwen), order: .suffixPrefixMiddle)).0
        XCTAssertEqual(text, .text("<|repo_name|>workspace\n<|file_sep|>u.py\ndef g(): pass\n<|file_sep|>m.py\n"
                                   + "<|fim_prefix|><|fim_suffix|>)\n<|fim_middle|>x = g("))
    }

    func testSuffixFirstAKeystrokeChangesOnlyThePromptsEndAndIsHealed() throws {
        let suffixFirst = FIMChoice(layout: .automatic, order: .suffixPrefixMiddle)
        let prefix = (0..<60).map { "a\($0) = \($0)\n" }.joined()
        var previous: [Int]?
        var kept: [Int] = []
        for typed in 0..<12 {
            let task = CompletionTask(documentKey: "file:///m.py", prefix: prefix + String(repeating: "x", count: typed),
                                      maxTokens: 16, suffix: "\nend\n")
            let tokens = try prompt(task, context: 256, fim: suffixFirst).tokens
            if let previous { kept.append(zip(previous, tokens).prefix { $0 == $1 }.count) }
            previous = tokens
        }
        let middle = try XCTUnwrap(previous?.firstIndex(of: V.fimMiddle))
        // Within one window step a keystroke keeps the suffix and all but the last token of the previous prompt.
        XCTAssertGreaterThan(kept.filter { $0 > middle }.count, kept.count / 2, "\(kept)")

        let generator = ScriptedGenerator(measure: .tokens(tokenizer, context: 64), replies: [.pieces(["x"])])
        let task = CompletionTask(documentKey: "file:///m.py", prefix: "a = ", maxTokens: 8, suffix: "\n")
        _ = InlineCompletion.run(task, on: generator, fim: suffixFirst, onFinish: Outcomes<TextResult>().onFinish)
        XCTAssertTrue(try XCTUnwrap(generator.generations.first).endsAtCursor, "the prompt ends at the cursor")
    }

    /// A generator that copies from the prompt (the engine's `CopyMixture`) must know which tokens the generated text
    /// continues: in every layout, exactly the prefix window's.
    func testTheRequestSaysWhereThePromptHoldsTheTextBeforeTheCursorAndHowMuchToCopy() throws {
        func request(_ fim: FIMChoice) throws -> GenerationRequest {
            let generator = ScriptedGenerator(measure: .tokens(tokenizer, context: 64), replies: [.pieces(["x"])])
            var task = CompletionTask(documentKey: "file:///m.py", prefix: "a = b", maxTokens: 8, suffix: "\n",
                                      context: [ContextChunk(name: "u.py", text: "b = 1")], contextTokens: 20)
            task.copyWeight = 0.25
            _ = InlineCompletion.run(task, on: generator, fim: fim, onFinish: Outcomes<TextResult>().onFinish)
            return try XCTUnwrap(generator.generations.first)
        }
        for fim in [FIMChoice.automatic, FIMChoice(layout: .automatic, order: .suffixPrefixMiddle), .off] {
            let sent = try request(fim)
            guard case .tokens(let tokens) = sent.prompt else { return XCTFail("a token prompt") }
            let range = try XCTUnwrap(sent.textBeforeCursor)
            XCTAssertEqual(Array(tokens[range]), V.bytes("a = b"), "\(fim)")
            XCTAssertEqual(sent.copyWeight, 0.25)
        }
    }

    func testSpecialTextTypedInTheDocumentStaysText() throws {
        let task = CompletionTask(documentKey: "file:///m.py", prefix: "s = '<|fim_middle|><|file_sep|>'", maxTokens: 8,
                                  suffix: "<|fim_pad|>")
        let tokens = try prompt(task).tokens
        XCTAssertEqual(tokens.filter { $0 == V.fimMiddle }.count, 1)
        XCTAssertFalse(tokens.contains(V.fileSep))
        XCTAssertFalse(tokens.contains(V.fimPad))
    }

    func testFIMOffContinuesThePrefixAloneWithoutContext() throws {
        let task = CompletionTask(documentKey: "file:///m.py", prefix: "x = 1", maxTokens: 8, suffix: "\ny = 2\n",
                                  context: [ContextChunk(name: "u.py", text: "u = 1\n")], contextTokens: 64)
        let (tokens, _, isFIM) = try prompt(task, fim: .off)
        XCTAssertFalse(isFIM)
        XCTAssertEqual(tokens, V.bytes("x = 1"))
        let gpt2 = InlineCompletion.prompt(for: task, measure: .tokens(try BPETokenizer.gpt2(), context: 64),
                                           fim: .automatic)
        XCTAssertFalse(gpt2.isFIM, "a model without FIM tokens continues the prefix")
    }

    /// A model trained without FIM may share a tokenizer that has FIM tokens beyond its rows: it continues the
    /// prefix instead of failing every completion on a token it cannot embed.
    func testFIMIsOffForAModelWithoutRowsForTheFIMTokens() {
        let largest = [V.fimPrefix, V.fimSuffix, V.fimMiddle, V.fimPad, V.repoName, V.fileSep, V.endOfText].max()!
        XCTAssertEqual(FIMChoice.automatic.fitting(tokenizer: tokenizer, vocabularySize: largest + 1), .automatic)
        XCTAssertEqual(FIMChoice.automatic.fitting(tokenizer: tokenizer, vocabularySize: 256), .off)
        XCTAssertEqual(FIMChoice.family(.qwen).fitting(tokenizer: tokenizer, vocabularySize: 256), .off)
        XCTAssertEqual(FIMChoice.off.fitting(tokenizer: tokenizer, vocabularySize: 256), .off)
    }

    func testInCharactersANamedLayoutIsWrittenWithItsTokenTexts() {
        let task = CompletionTask(documentKey: "file:///w/m.py", prefix: "x = g(", maxTokens: 8, suffix: ")\n",
                                  context: [ContextChunk(name: "u.py", text: "def g(): pass")], contextTokens: 50)
        let limits = CharacterLimits(completion: 400, input: 100)
        let (prompt, cap, isFIM) = InlineCompletion.prompt(for: task, measure: .characters(limits),
                                                           fim: .family(.qwen))
        XCTAssertTrue(isFIM)
        XCTAssertEqual(cap, 8)
        XCTAssertEqual(prompt, .text("<|repo_name|>workspace\n<|file_sep|>u.py\ndef g(): pass\n<|file_sep|>m.py\n"
                                     + "<|fim_prefix|>x = g(<|fim_suffix|>)\n<|fim_middle|>"))
        let automatic = InlineCompletion.prompt(for: task, measure: .characters(limits), fim: .automatic)
        XCTAssertEqual(automatic.0, .text("x = g("), "without a tokenizer or a named layout, the prefix alone")
    }

    /// An engine sized by characters must get a prompt within its character limit however large the context budget:
    /// the context takes at most half, the prefix and suffix share the rest.
    func testInCharactersTheWholePromptStaysWithinTheLimit() {
        let chunks = (0..<40).map { ContextChunk(name: "f\($0).py", text: String(repeating: "y = \($0)\n", count: 20)) }
        let task = CompletionTask(documentKey: "file:///w/m.py", prefix: String(repeating: "x = 1\n", count: 400),
                                  maxTokens: 8, suffix: String(repeating: "z = 2\n", count: 400), context: chunks,
                                  contextTokens: 32768)
        let limits = CharacterLimits(completion: 2000, input: 100)
        guard case .text(let text) = InlineCompletion.prompt(for: task, measure: .characters(limits),
                                                              fim: .family(.qwen)).0 else { return XCTFail("text") }
        let layout = "<|repo_name|>workspace\n<|file_sep|>m.py\n<|fim_prefix|><|fim_suffix|><|fim_middle|>".count
        let separators = text.components(separatedBy: "<|file_sep|>").count - 1
        XCTAssertLessThanOrEqual(text.count, limits.completion + layout + separators * "<|file_sep|>".count)
        XCTAssertGreaterThan(separators, 1, "some context still fits")
        XCTAssertTrue(text.contains("<|fim_prefix|>x = 1"), "the prefix keeps its share")
    }

    func testTheManifestNamesALayoutOrNoneAndRefusesOthers() throws {
        XCTAssertEqual(FIMChoice(manifestName: "qwen"), .family(.qwen))
        XCTAssertEqual(FIMChoice(manifestName: "none"), .off)
        XCTAssertNil(FIMChoice(manifestName: "Qwen"))
        XCTAssertEqual(FIMChoice(manifestName: nil, order: "spm"), FIMChoice(layout: .automatic, order: .suffixPrefixMiddle))
        XCTAssertNil(FIMChoice(manifestName: "qwen", order: "middle-first"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-fim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = directory.appendingPathComponent("manifest.json")
        try Data(#"{"format": "gptls-manifest-1", "tasks": {"completion": {"endpoint": "http://h:1/v1", "fim": "qwen"}}}"#
            .utf8).write(to: manifest)
        guard case .remote(let endpoint) = try TaskPlacement(model: directory.path, task: .completion) else {
            return XCTFail("an endpoint entry is served remotely")
        }
        XCTAssertEqual(endpoint.fim, .family(.qwen))
        try Data(#"{"format": "gptls-manifest-1", "tasks": {"completion": {"weights": "w.safetensors", "fim": "x"}}}"#
            .utf8).write(to: manifest)
        XCTAssertThrowsError(try ModelManifest.load(from: directory)) { error in
            XCTAssertTrue("\(error)".contains(#"tasks.completion.fim is "x", expected one of "qwen""#), "\(error)")
        }
        try Data(#"{"format": "gptls-manifest-1", "tasks": {"completion": {"weights": "w.safetensors", "fim_order": "spm"}}}"#
            .utf8).write(to: manifest)
        guard case .local(let source) = try TaskPlacement(model: directory.path, task: .completion) else {
            return XCTFail("a weights entry is served locally")
        }
        XCTAssertEqual(source.fim, FIMChoice(layout: .automatic, order: .suffixPrefixMiddle))
        try Data(#"{"format": "gptls-manifest-1", "tasks": {"completion": {"weights": "w.safetensors", "fim_order": "x"}}}"#
            .utf8).write(to: manifest)
        XCTAssertThrowsError(try ModelManifest.load(from: directory)) { error in
            XCTAssertTrue("\(error)".contains(#"tasks.completion.fim_order is "x", expected one of "psm", "spm""#),
                          "\(error)")
        }
    }

    func testAURIsPromptNameIsItsDecodedLastPathComponent() {
        XCTAssertEqual(ContextChunk.name(ofURI: "file:///a/b%20c.py"), "b c.py")
        XCTAssertEqual(ContextChunk.name(ofURI: "untitled:Untitled-1"), "untitled:Untitled-1")
    }
}
