import XCTest
@testable import Engine

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
