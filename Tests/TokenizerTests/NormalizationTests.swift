@testable import Tokenizer
import XCTest

/// NFC of the stretches around high scalars equals NFC of the whole text, and invalid bytes stay in place.
final class NormalizationTests: XCTestCase {
    private func nfc(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { Normalization.nfc.apply($0) } ?? bytes
    }

    func testStretchesGiveTheNFCOfTheWholeText() {
        var generator = SplitMix(seed: 5)
        // Starters, combining marks of several classes, Hangul jamo, precomposed letters, CJK, emoji.
        let pool: [Unicode.Scalar] = ["a", "e", " ", "\n", "1", "\u{E9}", "\u{C5}", "\u{2C6}", "\u{300}", "\u{301}",
                                      "\u{323}", "\u{308}", "\u{345}", "\u{1100}", "\u{1161}", "\u{11A8}", "\u{AC00}",
                                      "\u{212B}", "\u{2126}", "\u{65E5}", "\u{1F600}", "\u{FB01}", "\u{F900}", "\u{0F73}"]
        for _ in 0..<2000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int(generator.next() % 24) { scalars.append(pool[Int(generator.next() % UInt64(pool.count))]) }
            let text = String(scalars)
            XCTAssertEqual(nfc(Array(text.utf8)), text._nfcCodeUnits, "\(text.unicodeScalars.map { $0.value })")
        }
    }

    func testAlreadyNormalizedTextIsLeftAlone() {
        XCTAssertNil(Array("plain ASCII and café".utf8).withUnsafeBufferPointer { Normalization.nfc.apply($0) })
        XCTAssertNil(Array("e\u{301}".utf8).withUnsafeBufferPointer { Normalization.none.apply($0) })
    }

    func testInvalidBytesStayAndSplitTheRuns() {
        let bytes: [UInt8] = Array("e\u{301}".utf8) + [0xFF] + Array("\u{301}x\u{1100}\u{1161}".utf8) + [0xC3]
        XCTAssertEqual(nfc(bytes), Array("\u{E9}".utf8) + [0xFF] + Array("\u{301}x\u{AC00}".utf8) + [0xC3])
    }
}
