@testable import Tokenizer
import XCTest

/// The hand-written scanner against tiktoken's regex, piece by piece.
final class PreTokenizerTests: XCTestCase {
    private func pieces(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var scanner = PreTokenizer(buffer)
            var result: [String] = []
            while let range = scanner.next() { result.append(String(decoding: buffer[range], as: UTF8.self)) }
            return result
        }
    }

    func testTortureFileSplitsExactlyAsTheGPT2Regex() throws {
        let text = try Fixtures.text("torture.txt")
        let expected = try XCTUnwrap(Fixtures.json("torture-pretokens.json") as? [String])
        let actual = pieces(text)
        for (index, (mine, theirs)) in zip(actual, expected).enumerated() where mine != theirs {
            XCTFail("piece \(index): \(mine.debugDescription) but the regex gives \(theirs.debugDescription)")
            break
        }
        XCTAssertEqual(actual.count, expected.count)
    }

    func testWhitespaceRunGivesUpItsLastCharacterToTheNextWord() {
        XCTAssertEqual(pieces("a   b"), ["a", "  ", " b"])
        XCTAssertEqual(pieces("a\t\tb"), ["a", "\t", "\t", "b"])
        XCTAssertEqual(pieces("a \n b"), ["a", " \n", " b"])
        XCTAssertEqual(pieces("a   "), ["a", "   "])
        XCTAssertEqual(pieces("   "), ["   "])
        XCTAssertEqual(pieces(" "), [" "])
        XCTAssertEqual(pieces("\n!"), ["\n", "!"])
    }

    func testContractionsAreLowerCaseOnly() {
        XCTAssertEqual(pieces("it's"), ["it", "'s"])
        XCTAssertEqual(pieces("IT'S"), ["IT", "'", "S"])
        XCTAssertEqual(pieces("we'll've"), ["we", "'ll", "'ve"])
        XCTAssertEqual(pieces("'sup"), ["'s", "up"])
        XCTAssertEqual(pieces(" 's"), [" '", "s"])
    }

    func testLettersNumbersAndOtherAreSeparateRuns() {
        XCTAssertEqual(pieces("abc123!?def"), ["abc", "123", "!?", "def"])
        XCTAssertEqual(pieces("日本語 ١٢٣ 👍🏽"), ["日本語", " ١٢٣", " 👍🏽"])
        XCTAssertEqual(pieces("e\u{301}"), ["e", "\u{301}"], "a combining mark is not a letter")
    }

    func testLetterClassesFollowUnicode16AsTiktokenDoes() {
        // U+0CDC became a letter in Unicode 17 (Swift 6.3's own data); tiktoken's Unicode 16 has it unassigned.
        XCTAssertEqual(pieces("x\u{CDC}'s"), ["x", "\u{CDC}'", "s"])
        XCTAssertEqual(pieces("x\u{1C89}y"), ["x\u{1C89}y"], "U+1C89, new in Unicode 16, is a letter")
    }

    func testInvalidBytesAreOtherCharacters() {
        let bytes: [UInt8] = [0x61, 0xFF, 0x21, 0x20, 0xC3, 0x62, 0xE2, 0x82]
        let ranges: [Range<Int>] = bytes.withUnsafeBufferPointer { buffer in
            var scanner = PreTokenizer(buffer)
            var result: [Range<Int>] = []
            while let range = scanner.next() { result.append(range) }
            return result
        }
        XCTAssertEqual(ranges, [0..<1, 1..<3, 3..<5, 5..<6, 6..<8])
    }
}
