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
}
