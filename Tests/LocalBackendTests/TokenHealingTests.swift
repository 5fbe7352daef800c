import Foundation
import Model
import Tokenizer
import XCTest
import Tasks
@testable import LocalBackend

/// Token healing (see `TokenHealing`) on the bundled model's vocabulary, and through the in-process backend.
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

    /// A suffix-first FIM prompt with nothing before the cursor ends with `<fim_middle>`: a control token is never
    /// healed, whatever its text.
    func testAPromptEndingInAFIMTokenIsNotHealed() throws {
        let tokenizer = try tokenizer()
        let middle = try XCTUnwrap(FIMFormat.recognised(in: tokenizer)?.tokens(in: tokenizer)?.middle)
        let plan = TokenHealing(tokenizer: tokenizer).plan(tokenizer.encode("x = 1\n") + [middle])
        XCTAssertEqual(plan.prompt.last, middle)
        XCTAssertNil(plan.firstTokens)
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

    /// "\n    " ends a prompt at an empty indented line, but the model wrote indented lines as "\n   " + " word":
    /// the shorter run is allowed too, and the text shown is what follows the typed bytes, or nothing where the
    /// generation left them.
    func testAPromptEndingInIndentationMayBeContinuedByAShorterRunOfIt() throws {
        let tokenizer = try tokenizer()
        let healing = TokenHealing(tokenizer: tokenizer)
        let plan = healing.plan(tokenizer.encode("def main():\n    "))
        XCTAssertEqual(plan.removed, Array("\n    ".utf8))
        let shorter = try XCTUnwrap(healing.token(withBytes: Array("\n   ".utf8)[...]))
        XCTAssertTrue(try XCTUnwrap(plan.firstTokens).contains(shorter))
        XCTAssertFalse(try XCTUnwrap(healing.plan(tokenizer.encode("x = ab")).firstTokens)
            .contains(try XCTUnwrap(healing.token(withBytes: Array(" a".utf8)[...]))), "only whitespace heals shorter")
        XCTAssertEqual(plan.text(of: Array("\n    return x".utf8)), "return x")
        XCTAssertEqual(plan.text(of: Array("\n   ".utf8)), "", "not all typed bytes generated yet")
        XCTAssertEqual(plan.text(of: Array("\n   \n".utf8)), "", "the generation left the typed indentation")
    }

    func testGhostTextAfterANewlineIsTheIndentedBodyNotANewTopLevelLine() throws {
        let text = try complete("def mean(values):\n")
        XCTAssertTrue(text.hasPrefix(" "), "ghost text \(text.debugDescription) does not continue the indented body")
        XCTAssertFalse(text.hasPrefix("\n"), "the healed newline must not be repeated in the ghost text")
    }

    func testGhostTextOnAnEmptyIndentedLineIsNotIndentedAgain() throws {
        for prefix in ["def main():\n    ", "def mean(values):\n    total = 0\n    for value in values:\n        "] {
            let text = try complete(prefix)
            XCTAssertFalse(text.isEmpty, "a suggestion after \(prefix.debugDescription)")
            XCTAssertFalse(text.first?.isWhitespace ?? false, "ghost text \(text.debugDescription) indents again")
        }
    }

    /// The bundled model's completion of `prefix` through the in-process backend.
    private func complete(_ prefix: String) throws -> String {
        let backend = try ModelLoader.backend(BackendConfiguration(
            models: [.completion: directory.path, .summarize: directory.path, .classify: directory.path],
            cacheBudgetMB: 16))
        defer { backend.shutdown() }
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        _ = backend.complete(CompletionTask(documentKey: "a.py", prefix: prefix, maxTokens: 8)) {
            box.result = $0
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        return try XCTUnwrap(box.result).get().text
    }
}

private final class ResultBox: @unchecked Sendable {
    var result: Result<TextResult, TaskError>?
}
