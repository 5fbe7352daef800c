import Tasks
import XCTest

final class PromptWindowTests: XCTestCase {
    func testShortPromptsAreKeptWhole() {
        XCTAssertEqual(PromptWindow.start(tokenCount: 100, capacity: 100, step: 25), 0)
    }

    func testTheWindowStartMovesOnlyInSteps() {
        let starts = (101...160).map { PromptWindow.start(tokenCount: $0, capacity: 100, step: 25) }
        XCTAssertEqual(Set(starts), [25, 50, 75])
        for (offset, start) in starts.enumerated() {
            let count = 101 + offset
            XCTAssertLessThanOrEqual(count - start, 100)
            XCTAssertEqual(start % 25, 0)
        }
        // Typing one token at a time, the start changes once per 25 tokens.
        let changes = zip(starts, starts.dropFirst()).filter { $0 != $1 }.count
        XCTAssertEqual(changes, 2)
    }
}

final class RecentTextTests: XCTestCase {
    func testShortTextIsKeptWhole() {
        XCTAssertEqual(PromptWindow.recentText("abc\ndef", contextLength: 16), "abc\ndef")
    }

    func testLongTextKeepsAStableTailThatStartsAtALine() {
        let lines = (0..<400).map { "line \($0) é\n" }.joined()
        let tail = PromptWindow.recentText(lines, contextLength: 64)
        XCTAssertTrue(tail.hasPrefix("line "), String(tail.prefix(20)))
        XCTAssertTrue(lines.hasSuffix(tail))
        XCTAssertGreaterThanOrEqual(tail.utf8.count, 64 * 8 - 64 * 2)
        // Typing a few more characters keeps the same start.
        let typed = lines + "abc"
        let next = PromptWindow.recentText(typed, contextLength: 64)
        XCTAssertEqual(typed.utf8.count - next.utf8.count, lines.utf8.count - tail.utf8.count)
    }
}

final class RecentCharactersTests: XCTestCase {
    func testShortTextIsKeptWhole() {
        XCTAssertEqual(PromptWindow.recentText("abc\ndef", characters: 16), "abc\ndef")
    }

    func testLongTextKeepsAStableTailOfAtMostTheLimitThatStartsAtALine() {
        let lines = (0..<400).map { "line \($0) é\n" }.joined()
        let tail = PromptWindow.recentText(lines, characters: 200)
        XCTAssertTrue(tail.hasPrefix("line "), String(tail.prefix(20)))
        XCTAssertTrue(lines.hasSuffix(tail))
        XCTAssertLessThanOrEqual(tail.count, 200)
        XCTAssertGreaterThan(tail.count, 200 - 50 - 12, "the cut moves in steps of a quarter, then to a line")
        // Typing a few more characters keeps the same start.
        let typed = lines + "abc"
        let next = PromptWindow.recentText(typed, characters: 200)
        XCTAssertEqual(typed.count - next.count, lines.count - tail.count)
    }
}
