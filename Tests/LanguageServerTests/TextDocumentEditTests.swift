import XCTest
import Protocol
@testable import LanguageServer

/// The byte edits `TextDocument.apply` reports describe the change exactly: replayed on the old bytes, they give the
/// new ones.
final class TextDocumentEditTests: XCTestCase {
    private func replay(_ edits: [TextDocument.Edit], on old: [UInt8], inserting new: [UInt8]) -> [UInt8] {
        // Each edit's inserted bytes are read from the final text, which is valid only for the edits used below:
        // one edit per change, so the final text holds them at the edit's start.
        var bytes = old
        for edit in edits {
            let inserted = new[edit.range.lowerBound..<(edit.range.lowerBound + edit.insertedCount)]
            bytes.replaceSubrange(edit.range, with: inserted)
        }
        return bytes
    }

    func testAWholeTextChangeIsReportedAsTheSmallestDifferingPart() throws {
        let cases = [("aaa", "aaaa"), ("abc", "abc"), ("", "new"), ("old", ""), ("x = 1\ny", "x = 12\ny"),
                     ("héllo", "hello"), ("abcabc", "abc")]
        for (before, after) in cases {
            var document = TextDocument(uri: "file:///a", languageID: "", version: 1, text: before)
            let edits = try document.apply([TextDocumentContentChangeEvent(range: nil, text: after)], version: 2,
                                           encoding: .utf16)
            XCTAssertEqual(edits.count, 1)
            XCTAssertEqual(replay(edits, on: Array(before.utf8), inserting: Array(after.utf8)), Array(after.utf8),
                           "\(before) -> \(after): \(edits)")
            XCTAssertLessThanOrEqual(edits[0].insertedCount, abs(after.utf8.count - before.utf8.count) + 1,
                                     "\(before) -> \(after): \(edits)")
        }
    }

    func testAnIncrementalChangeIsReportedInBytes() throws {
        var document = TextDocument(uri: "file:///a", languageID: "", version: 1, text: "é = 1\nb = 2\n")
        let range = Protocol.Range(start: Position(line: 1, character: 4), end: Position(line: 1, character: 5))
        let edits = try document.apply([TextDocumentContentChangeEvent(range: range, text: "20")], version: 2,
                                       encoding: .utf16)
        XCTAssertEqual(edits, [TextDocument.Edit(range: 11..<12, insertedCount: 2)])
        XCTAssertEqual(document.text, "é = 1\nb = 20\n")
    }
}
