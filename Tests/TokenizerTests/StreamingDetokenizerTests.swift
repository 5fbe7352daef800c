import Tokenizer
import XCTest

final class StreamingDetokenizerTests: XCTestCase {
    func testStreamingEqualsDecodingAllIdsAndEmitsOnlyCompleteCharacters() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let text = try Fixtures.text("torture.txt")
        let ids = tokenizer.encode(text)
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        var output = ""
        for id in ids {
            let piece = stream.append(id)
            XCTAssertFalse(piece.unicodeScalars.contains("\u{FFFD}") && !text.contains("\u{FFFD}"),
                           "a character split over tokens must not be replaced")
            output += piece
        }
        output += stream.finish()
        XCTAssertEqual(output, text)
    }

    func testSplitEmojiWaitsForItsLastToken() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let ids = tokenizer.encode("🎉")
        XCTAssertGreaterThan(ids.count, 1)
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        for id in ids.dropLast() { XCTAssertEqual(stream.append(id), "") }
        XCTAssertEqual(stream.append(ids.last!), "🎉")
        XCTAssertEqual(stream.finish(), "")
    }

    func testIncompleteTailIsReplacedAtFinish() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let ids = tokenizer.encode("ok🎉")
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        var output = ""
        for id in ids.dropLast() { output += stream.append(id) }
        output += stream.finish()
        XCTAssertEqual(output, "ok\u{FFFD}")
        XCTAssertEqual(output, tokenizer.decode(Array(ids.dropLast())))
    }

    func testRandomTokenSequencesStreamLikeLossyDecode() throws {
        let tokenizer = try BPETokenizer.gpt2()
        var generator = SplitMix(seed: 3)
        // Byte tokens and random tokens: many invalid and incomplete sequences.
        let byteTokens = tokenizer.encode(bytes: (128...255).map { UInt8($0) })
        for _ in 0..<300 {
            let ids = (0..<Int(generator.next() % 12)).map { _ in
                generator.next() % 2 == 0 ? byteTokens[Int(generator.next() % UInt64(byteTokens.count))]
                    : Int(generator.next() % 50257)
            }
            var stream = StreamingDetokenizer(tokenizer: tokenizer)
            var output = ""
            for id in ids { output += stream.append(id) }
            output += stream.finish()
            XCTAssertEqual(output, tokenizer.decode(ids), "ids \(ids)")
        }
    }
}
