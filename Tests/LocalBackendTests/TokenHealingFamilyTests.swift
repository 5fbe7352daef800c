import Foundation
import Tasks
import Tokenizer
import XCTest
@testable import LocalBackend

/// Token healing on the Llama 3 and Qwen2 vocabularies, whose split patterns keep punctuation with the line break
/// after it (`):\n` is one pre-token) and put BOS first (Llama 3).
final class TokenHealingFamilyTests: XCTestCase {
    /// The real tokenizer of `family` (`llama3`, `qwen2`), from $GPTLS_TOKENIZER_PEERS or training/out/tokenizer-peers.
    private func tokenizer(_ family: String) throws -> BPETokenizer {
        let root = ProcessInfo.processInfo.environment["GPTLS_TOKENIZER_PEERS"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("training/out/tokenizer-peers")
        let directory = root.appendingPathComponent(family)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("tokenizer.json").path) else {
            throw XCTSkip("\(directory.path) is missing: run `python3 training/tokenizer/make_family_reference.py "
                + "--peers` to build the Llama 3 and Qwen2 tokenizers")
        }
        return try BPETokenizer(directory: directory)
    }

    func testLlama3AndQwen2PromptsEndingAtALineBreakHealToTokensThatBeginWithTheCutBytes() throws {
        for family in ["llama3", "qwen2"] {
            let tokenizer = try tokenizer(family)
            let healing = TokenHealing(tokenizer: tokenizer)
            let prompt = tokenizer.promptTokens("def mean(values):\n")
            let plan = healing.plan(prompt)
            XCTAssertEqual(plan.prompt, Array(prompt.dropLast()), family)
            XCTAssertEqual(plan.removed, tokenizer.decodeBytes([prompt.last!]), family)
            XCTAssertEqual(plan.removed.last, UInt8(ascii: "\n"), family)
            let firstTokens = try XCTUnwrap(plan.firstTokens, family)
            let expected = (0..<tokenizer.vocabularySize).filter {
                !tokenizer.isSpecial($0) && tokenizer.decodeBytes([$0]).starts(with: plan.removed)
            }
            XCTAssertEqual(Set(firstTokens), Set(expected), family)
            XCTAssertGreaterThan(firstTokens.count, 1, "\(family): longer tokens continue \(plan.removed)")
            XCTAssertFalse(firstTokens.contains { tokenizer.isSpecial($0) }, family)
        }
    }

    func testLlama3PromptsBeginWithBOSAndStopOnEndOfTurnAsWellAsEndOfText() throws {
        let tokenizer = try tokenizer("llama3")
        let bos = try XCTUnwrap(tokenizer.id(forSpecial: "<|begin_of_text|>"))
        XCTAssertEqual(tokenizer.promptTokens("x").first, bos)
        XCTAssertEqual(tokenizer.promptTokens("<|eot_id|>").dropFirst().contains(tokenizer.id(forSpecial: "<|eot_id|>")!),
                       false, "special-token text in a prompt is text")
        XCTAssertNil(tokenizer.endOfText)
        XCTAssertTrue(tokenizer.stopTokens.contains(try XCTUnwrap(tokenizer.id(forSpecial: "<|eot_id|>"))))
        XCTAssertTrue(tokenizer.stopTokens.contains(try XCTUnwrap(tokenizer.id(forSpecial: "<|end_of_text|>"))))
    }
}
