import ServerClient
import XCTest

final class TypingCursorTests: XCTestCase {
    func testColumnsCountUTF16CodeUnitsAndLineBreaksStartALine() {
        var cursor = TypingCursor(after: "ab\né😀")
        XCTAssertEqual([cursor.line, cursor.character], [1, 3])
        cursor.advance(over: "\r\n")
        XCTAssertEqual([cursor.line, cursor.character], [2, 0])
        cursor.advance(over: "x")
        XCTAssertEqual([cursor.line, cursor.character], [2, 1])
    }
}
