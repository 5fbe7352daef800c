import Foundation
import GPT
import Tokenizer
import XCTest
@testable import Engine

/// Token healing (see `TokenHealing`) on the bundled model's vocabulary, and through the engine and the assistant.
final class TokenHealingTests: XCTestCase {
    private let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/default")

    private func tokenizer() throws -> BPETokenizer { try BPETokenizer(directory: directory) }

    func testTheExtensionsOfATokenAreExactlyTheTokensThatBeginWithItsBytes() throws {
        let tokenizer = try tokenizer()
        let healing = TokenHealing(tokenizer: tokenizer)
        let specials = Set(tokenizer.specialTokens.values)
        for text in ["\n", " ", "    ", "re", "(", "\"\"\""] {
            let token = try XCTUnwrap(tokenizer.encode(text).first)
            let bytes = tokenizer.decodeBytes([token])
            let expected = (0..<tokenizer.vocabularySize).filter {
                !specials.contains($0) && tokenizer.decodeBytes([$0]).starts(with: bytes)
            }
            XCTAssertEqual(Set(healing.extensions(of: token)), Set(expected), "extensions of \(text.debugDescription)")
            XCTAssertTrue(healing.extensions(of: token).contains(token))
        }
    }

    func testAPromptEndingInANewlineIsHealedAndOneEndingInNonASCIIIsNot() throws {
        let tokenizer = try tokenizer()
        let healing = TokenHealing(tokenizer: tokenizer)
        let prompt = tokenizer.encode("def mean(values):\n")
        let plan = healing.plan(prompt)
        XCTAssertEqual(plan.prompt, Array(prompt.dropLast()))
        XCTAssertEqual(plan.removed, Array("\n".utf8))
        XCTAssertTrue(try XCTUnwrap(plan.firstTokens).contains(tokenizer.encode("\n    ")[0]))

        let accented = tokenizer.encode("let café = \"é")
        XCTAssertNil(healing.plan(accented).firstTokens)
        XCTAssertEqual(healing.plan(accented).prompt, accented)
        XCTAssertNil(healing.plan([tokenizer.encode("\n")[0]]).firstTokens, "a lone token has nothing to continue")
    }

    func testTheEngineChoosesTheFirstTokenAmongTheAllowedOnly() throws {
        let engine = try TestModel.engine()
        let outcomes = Outcomes()
        let prompt = Array(1000..<1040)
        try engine.submit(Job(priority: .interactive, prompt: prompt, maxTokens: 4), onFinish: outcomes.callback(0))
        let free = try XCTUnwrap(outcomes.wait(0)).get().tokens
        let allowed = [17, 4242, 31000].filter { $0 != free[0] }
        try engine.submit(Job(priority: .interactive, prompt: prompt, maxTokens: 4, firstTokens: allowed),
                          onFinish: outcomes.callback(1))
        let healed = try XCTUnwrap(outcomes.wait(1)).get().tokens
        XCTAssertTrue(allowed.contains(healed[0]), "first token \(healed[0]) is outside \(allowed)")
    }

    func testGhostTextAfterANewlineIsTheIndentedBodyNotANewTopLevelLine() throws {
        let assistant = try ModelLoader.assistant(ModelLoader.Selection(completion: directory.path,
                                                                         summarize: directory.path,
                                                                         classify: directory.path, cacheBudgetMB: 16))
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        _ = assistant.complete(CompletionRequest(documentKey: "a.py", prefix: "def mean(values):\n", maxTokens: 8)) {
            box.result = $0
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        let text = try XCTUnwrap(box.result).get().text
        XCTAssertTrue(text.hasPrefix(" "), "ghost text \(text.debugDescription) does not continue the indented body")
        XCTAssertFalse(text.hasPrefix("\n"), "the healed newline must not be repeated in the ghost text")
    }
}

private final class ResultBox: @unchecked Sendable {
    var result: Result<TextResult, EngineError>?
}
