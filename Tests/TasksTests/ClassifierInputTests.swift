import Tasks
import XCTest

/// How a classifier's token ids are cut and padded before its last position is read.
final class ClassifierInputTests: XCTestCase {
    func testWithoutALimitTheEndOfALongInputIsKept() {
        XCTAssertEqual(ClassifierInput().tokens([1, 2, 3, 4, 5], contextLength: 3), [3, 4, 5])
        XCTAssertEqual(ClassifierInput().tokens([1, 2], contextLength: 3), [1, 2])
    }

    func testMaxTokensKeepsTheBeginningAsTheBookDoes() {
        XCTAssertEqual(ClassifierInput(maxTokens: 3).tokens([1, 2, 3, 4, 5], contextLength: 16), [1, 2, 3])
        XCTAssertEqual(ClassifierInput(maxTokens: 3).tokens([1, 2], contextLength: 16), [1, 2])
    }

    func testPaddingFillsUpToMaxTokensButNeverPastTheContext() {
        let book = ClassifierInput(maxTokens: 5, padTokenId: 50256)
        XCTAssertEqual(book.tokens([7, 8], contextLength: 1024), [7, 8, 50256, 50256, 50256])
        XCTAssertEqual(book.tokens([1, 2, 3, 4, 5, 6], contextLength: 1024), [1, 2, 3, 4, 5])
        XCTAssertEqual(book.tokens([7, 8], contextLength: 4), [7, 8, 50256, 50256])
    }
}
