import XCTest
import Protocol
@testable import LanguageServer

final class TextDocumentTests: XCTestCase {
    private func document(_ text: String) -> TextDocument {
        TextDocument(uri: "file:///t.txt", languageID: "plaintext", version: 1, text: text)
    }

    func testEmojiCountsTwoUTF16UnitsFourUTF8BytesOneScalar() {
        let doc = document("a😀b")
        XCTAssertEqual(doc.offset(of: Position(line: 0, character: 3), encoding: .utf16), 5)
        XCTAssertEqual(doc.offset(of: Position(line: 0, character: 5), encoding: .utf8), 5)
        XCTAssertEqual(doc.offset(of: Position(line: 0, character: 2), encoding: .utf32), 5)
        XCTAssertEqual(doc.position(of: 5, encoding: .utf16), Position(line: 0, character: 3))
        XCTAssertEqual(doc.position(of: 5, encoding: .utf8), Position(line: 0, character: 5))
        XCTAssertEqual(doc.position(of: 5, encoding: .utf32), Position(line: 0, character: 2))
    }

    func testPositionInsideSurrogatePairRoundsDownToTheCharacterStart() {
        let doc = document("😀x")
        XCTAssertEqual(doc.offset(of: Position(line: 0, character: 1), encoding: .utf16), 0)
    }

    func testCJKAndCombiningMarksCountPerScalar() {
        // "日本" is 3 bytes / 1 unit per scalar; "é" written as e + U+0301 is two scalars.
        let doc = document("日本e\u{301}!")
        XCTAssertEqual(doc.offset(of: Position(line: 0, character: 2), encoding: .utf16), 6)
        XCTAssertEqual(doc.offset(of: Position(line: 0, character: 4), encoding: .utf16), 9)
        XCTAssertEqual(doc.offset(of: Position(line: 0, character: 4), encoding: .utf32), 9)
        XCTAssertEqual(doc.position(of: 10, encoding: .utf16), Position(line: 0, character: 5))
    }

    func testCharacterPastLineEndClampsToLineEndBeforeTheBreak() {
        let doc = document("ab\r\ncd\nef")
        XCTAssertEqual(doc.offset(of: Position(line: 0, character: 99), encoding: .utf16), 2)
        XCTAssertEqual(doc.offset(of: Position(line: 1, character: 99), encoding: .utf16), 6)
        XCTAssertEqual(doc.offset(of: Position(line: 7, character: 0), encoding: .utf16), 9)
        XCTAssertEqual(doc.lineCount, 3)
    }

    func testCarriageReturnAloneEndsALine() {
        let doc = document("a\rb")
        XCTAssertEqual(doc.lineCount, 2)
        XCTAssertEqual(doc.offset(of: Position(line: 1, character: 1), encoding: .utf16), 3)
    }

    func testIncrementalChangesApplyInOrder() throws {
        var doc = document("let x = 1\nprint(x)\n")
        try doc.apply([
            TextDocumentContentChangeEvent(range: Range(start: Position(line: 0, character: 4), end: Position(line: 0, character: 5)),
                       text: "value"),
            TextDocumentContentChangeEvent(range: Range(start: Position(line: 1, character: 6), end: Position(line: 1, character: 7)),
                       text: "value"),
            TextDocumentContentChangeEvent(range: Range(start: Position(line: 2, character: 0), end: Position(line: 2, character: 0)),
                       text: "// 😀 done\n"),
        ], version: 2, encoding: .utf16)
        XCTAssertEqual(doc.text, "let value = 1\nprint(value)\n// 😀 done\n")
        XCTAssertEqual(doc.version, 2)
        XCTAssertEqual(doc.lineCount, 4)
    }

    func testDeletionAcrossLinesAndAfterEmoji() throws {
        var doc = document("😀ab\ncd\nef")
        try doc.apply([TextDocumentContentChangeEvent(range: Range(start: Position(line: 0, character: 3), end: Position(line: 2, character: 1)),
                              text: "")], version: 5, encoding: .utf16)
        XCTAssertEqual(doc.text, "😀af")
    }

    func testFullChangeReplacesTheText() throws {
        var doc = document("old")
        try doc.apply([TextDocumentContentChangeEvent(range: nil, text: "new\ntext")], version: 9, encoding: .utf16)
        XCTAssertEqual(doc.text, "new\ntext")
        XCTAssertEqual(doc.lineCount, 2)
    }

    func testNegotiationPrefersUTF8AndDefaultsToUTF16() {
        XCTAssertEqual(PositionEncoding.negotiate(clientOffers: nil), .utf16)
        XCTAssertEqual(PositionEncoding.negotiate(clientOffers: ["utf-16", "utf-8"]), .utf8)
        XCTAssertEqual(PositionEncoding.negotiate(clientOffers: ["utf-32"]), .utf32)
        XCTAssertEqual(PositionEncoding.negotiate(clientOffers: ["latin-1"]), .utf16)
    }

    /// The line index is updated around each edit rather than rebuilt: after thousands of random edits (line breaks
    /// of every kind joined and split, multi-byte characters) it must equal the index of the same text built afresh.
    func testTheLineIndexAfterRandomEditsEqualsTheIndexBuiltFromTheText() throws {
        let pieces = ["a", "bc", "\n", "\r", "\r\n", "é", "😀", ""]
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        func randomText() -> String { (0..<next(6)).map { _ in pieces[next(pieces.count)] }.joined() }
        var doc = document("start\r\nof\rthe\ntext")
        for step in 0..<3000 {
            let start = Position(line: next(doc.lineCount + 1), character: next(6))
            let end = next(4) == 0 ? start : Position(line: start.line + next(3), character: next(6))
            try doc.apply([TextDocumentContentChangeEvent(range: Range(start: start, end: end), text: randomText())],
                          version: step, encoding: .utf8)
            let fresh = document(doc.text)
            XCTAssertEqual(doc.lineCount, fresh.lineCount, "after edit \(step) of \(doc.text.debugDescription)")
            for line in 0..<fresh.lineCount {
                let position = Position(line: line, character: 0)
                XCTAssertEqual(doc.offset(of: position, encoding: .utf8), fresh.offset(of: position, encoding: .utf8),
                               "line \(line) after edit \(step) of \(doc.text.debugDescription)")
            }
            if doc.text.utf8.count > 400 { doc = document(String(doc.text.suffix(50))) }
            if doc.lineCount != fresh.lineCount { return }
        }
    }
}
