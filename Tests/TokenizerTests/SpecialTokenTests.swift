import Foundation
import Tokenizer
import XCTest

/// Special tokens are control tokens: text that spells one stays text, only `allowedSpecial` produces one, and a user
/// is never shown one when decoding skips them; added tokens that are not special are ordinary text both ways.
final class SpecialTokenTests: XCTestCase {
    /// The synthetic Llama 3-scheme tokenizer: `<|eot_id|>` (300) special, `<tool_call>` (301) not.
    private func tokenizer() throws -> BPETokenizer {
        let directory = try Fixtures.temporaryDirectory(self)
        let source = Fixtures.url("families/synthetic/llama3-merges-as-pairs.json")
        try Data(contentsOf: source).write(to: directory.appendingPathComponent("tokenizer.json"))
        return try BPETokenizer(directory: directory)
    }

    func testSpecialTokenTextInUserTextIsText() throws {
        let tokenizer = try tokenizer()
        let text = "end<|eot_id|> then <|eot_id|><|eot_id"
        let ids = tokenizer.encode(text)
        XCTAssertFalse(ids.contains(300))
        XCTAssertEqual(tokenizer.decode(ids), text)
        XCTAssertEqual(tokenizer.encode(bytes: Array(text.utf8)), ids)
        XCTAssertEqual(tokenizer.encode(text, allowedSpecial: ["<|eot_id|>"]).filter { $0 == 300 }.count, 2)
        XCTAssertTrue(tokenizer.isSpecial(300))
        XCTAssertFalse(tokenizer.isSpecial(301))
        XCTAssertFalse(tokenizer.isSpecial(-1))
        XCTAssertFalse(tokenizer.isSpecial(302))
    }

    func testPlainAddedTokensAreMatchedInTextAndShown() throws {
        let tokenizer = try tokenizer()
        let ids = tokenizer.encode("x<tool_call>{}</tool_call><tool_call")
        XCTAssertEqual(ids.filter { $0 == 301 }.count, 1)
        XCTAssertEqual(tokenizer.encode("<tool_call>"), [301])
        XCTAssertEqual(tokenizer.decode([301], skippingSpecialTokens: true), "<tool_call>")
        XCTAssertEqual(tokenizer.encode("a<tool_call><|eot_id|>", allowedSpecial: ["<|eot_id|>"]),
                       tokenizer.encode("a") + [301, 300])
    }

    func testDecodingSkipsSpecialTokensWhenAsked() throws {
        let tokenizer = try tokenizer()
        let ids = tokenizer.encode("Hi", allowedSpecial: []) + [300] + tokenizer.encode(" there") + [300]
        XCTAssertEqual(tokenizer.decode(ids), "Hi<|eot_id|> there<|eot_id|>")
        XCTAssertEqual(tokenizer.decode(ids, skippingSpecialTokens: true), "Hi there")
        XCTAssertEqual(tokenizer.decodeBytes(ids, skippingSpecialTokens: true), Array("Hi there".utf8))
        XCTAssertEqual(tokenizer.decode(ids, skippingSpecialTokens: false), tokenizer.decode(ids))
    }

    func testStreamingSkipsSpecialTokensLikeDecode() throws {
        let tokenizer = try tokenizer()
        var generator = SplitMix(seed: 11)
        let pieces = tokenizer.encode("é😀 text") + [300, 301]
        for _ in 0..<200 {
            let ids = (0..<Int(generator.next() % 10)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }
            for skipping in [true, false] {
                var stream = StreamingDetokenizer(tokenizer: tokenizer, skippingSpecialTokens: skipping)
                var output = ""
                for id in ids { output += stream.append(id) }
                output += stream.finish()
                XCTAssertEqual(output, tokenizer.decode(ids, skippingSpecialTokens: skipping), "ids \(ids)")
            }
        }
    }
}
