import XCTest
import Engine

/// Where prompt lookup finds its drafts: the longest recurring suffix, its latest earlier occurrence, within limits.
final class PromptLookupTests: XCTestCase {
    func testTheLatestEarlierOccurrenceOfTheLongestSuffixGivesTheDraft() {
        let tokens = [1, 2, 3, 9, 9, 1, 2, 3, 7, 7, 5, 4, 1, 2, 3]
        XCTAssertEqual(PromptLookup(maxDraft: 4).draft(after: tokens), [7, 7, 5, 4])
    }

    func testALongerSuffixWinsOverANearerShorterOne() {
        // "2 3" last occurred at 6, but "1 2 3" only at 0.
        let tokens = [1, 2, 3, 8, 8, 0, 2, 3, 6, 6, 1, 2, 3]
        XCTAssertEqual(PromptLookup(maxDraft: 2).draft(after: tokens), [8, 8])
    }

    func testAShorterSuffixIsTriedWhenTheLongerNeverRecurs() {
        XCTAssertEqual(PromptLookup(minNgram: 1).draft(after: [4, 5, 6, 8, 6]), [8, 6])
    }

    func testByDefaultOneRecurringTokenIsNotEnoughButTwoAre() {
        XCTAssertEqual(PromptLookup().draft(after: [4, 5, 6, 8, 6]), [])
        XCTAssertEqual(PromptLookup().draft(after: [4, 6, 7, 8, 6, 7]), [8, 6, 7])
    }

    func testTextWithoutRepeatsGivesNoDraft() {
        XCTAssertEqual(PromptLookup().draft(after: Array(0..<50)), [])
        XCTAssertEqual(PromptLookup().draft(after: [3]), [])
        XCTAssertEqual(PromptLookup().draft(after: []), [])
    }

    func testTheDraftStopsAtTheLimitTheMaximumAndTheEndOfTheTokens() {
        let tokens = Array(0..<20) + [0, 1]
        XCTAssertEqual(PromptLookup(maxDraft: 8).draft(after: tokens), Array(2...9))
        XCTAssertEqual(PromptLookup(maxDraft: 8).draft(after: tokens, limit: 3), [2, 3, 4])
        XCTAssertEqual(PromptLookup().draft(after: tokens, limit: 0), [])
        XCTAssertEqual(PromptLookup(minNgram: 1, maxDraft: 8).draft(after: [5, 6, 5]), [6, 5])
    }

    func testAnOccurrenceOverlappingTheSuffixCountsAndDraftsWhatFollowedIt() {
        XCTAssertEqual(PromptLookup(maxDraft: 4).draft(after: [7, 7, 7, 7, 7]), [7])
        XCTAssertEqual(PromptLookup(maxDraft: 4).draft(after: [1, 2, 1, 2, 1]), [2, 1])
    }
}
