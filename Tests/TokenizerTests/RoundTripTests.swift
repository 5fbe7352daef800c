import Tokenizer
import XCTest

/// `decode(encode(x)) == x` for valid UTF-8, and the defined results for invalid input.
final class RoundTripTests: XCTestCase {
    func testDecodeOfEncodeGivesTheTextBack() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let texts = [
            "", " ", "hello world", "  leading and trailing  ", "tabs\t\tand\nnewlines\r\n",
            try Fixtures.text("torture.txt"), "<|endoftext|>", "\u{0}\u{1}\u{7F}", "🧑🏿‍🤝‍🧑🏻 e\u{301} 日本語",
        ]
        for text in texts {
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(text)), text)
        }
    }

    func testRandomUnicodeRoundTrips() throws {
        let tokenizer = try BPETokenizer.gpt2()
        var generator = SplitMix(seed: 42)
        let pool: [ClosedRange<UInt32>] = [0x20...0x7E, 0x0...0x20, 0xA0...0x2FF, 0x3000...0x30FF, 0x4E00...0x4E80,
                                           0x1F300...0x1F64F, 0x600...0x6FF, 0x2000...0x206F]
        for _ in 0..<200 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int(generator.next() % 64) {
                let range = pool[Int(generator.next() % UInt64(pool.count))]
                let value = range.lowerBound + UInt32(generator.next() % UInt64(range.count))
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            let text = String(scalars)
            let ids = tokenizer.encode(text)
            XCTAssertEqual(tokenizer.decode(ids), text)
            XCTAssertEqual(tokenizer.encode(bytes: Array(text.utf8)), ids, "bytes and String agree on valid UTF-8")
        }
    }

    func testInvalidUTF8BytesAreEncodedLosslessly() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let inputs: [[UInt8]] = [
            [0xFF], [0xC3], [0xE2, 0x82], [0x80, 0x80], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80],
            Array("abc".utf8) + [0xFE] + Array(" def".utf8) + [0xF0, 0x9F] + Array("!!".utf8),
            (0...255).map { UInt8($0) },
        ]
        for bytes in inputs {
            let ids = tokenizer.encode(bytes: bytes)
            XCTAssertFalse(ids.isEmpty)
            XCTAssertEqual(tokenizer.decodeBytes(ids), bytes)
            XCTAssertEqual(tokenizer.decode(ids), String(decoding: bytes, as: UTF8.self), "lossy decode uses U+FFFD")
        }
    }

    func testInvalidBytesJoinNeighbouringPunctuationAsOneOtherCharacter() throws {
        let tokenizer = try BPETokenizer.gpt2()
        // 0xFF is pre-tokenized as one "other" character: " \u{FF}!" is one piece, like " ?!" would be.
        let ids = tokenizer.encode(bytes: [0x61, 0x20, 0xFF, 0x21])
        XCTAssertEqual(ids.first, 64)  // "a"
        XCTAssertEqual(tokenizer.decodeBytes(Array(ids.dropFirst())), [0x20, 0xFF, 0x21])
    }

    func testIdsOutsideTheVocabularyDecodeToReplacementCharacter() throws {
        let tokenizer = try BPETokenizer.gpt2()
        XCTAssertEqual(tokenizer.decode([31373, -1, 50257, 995]), "hello\u{FFFD}\u{FFFD} world")
    }

    func testHalfOfAMultiTokenCharacterDecodesToReplacementCharacter() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let ids = tokenizer.encode("🎉")
        XCTAssertGreaterThan(ids.count, 1)
        XCTAssertTrue(tokenizer.decode([ids[0]]).hasSuffix("\u{FFFD}"))
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
