import XCTest
@testable import Engine

/// What the copy mixture proposes (what followed the longest recurring suffix) and when a copy beats the model.
final class CopyMixtureTests: XCTestCase {
    func testEveryOccurrenceOfTheLongestRecurringSuffixCountsWhatFollowedIt() {
        // "1 2 3" occurs twice before the end, followed by 7 and by 8; "2 3" alone (followed by 9) is shorter.
        let text = [1, 2, 3, 7, 0, 2, 3, 9, 1, 2, 3, 8, 5, 1, 2, 3]
        XCTAssertEqual(CopyMixture(minNgram: 2).continuations(of: text), [7: 1, 8: 1])
    }

    func testSuffixesShorterThanTheMinimumProposeNothing() {
        let text = [1, 2, 9, 4, 2, 1, 2]
        XCTAssertEqual(CopyMixture(minNgram: 3).continuations(of: text), [:])
        XCTAssertEqual(CopyMixture(minNgram: 2).continuations(of: text), [9: 1])
    }

    func testSeparatorsNeitherMatchNorGetProposed() {
        // The only earlier "4 5" is followed by a separator; a suffix holding one is never looked up.
        XCTAssertEqual(CopyMixture(minNgram: 2).continuations(of: [4, 5, -1, 6, 4, 5]), [:])
        XCTAssertEqual(CopyMixture(minNgram: 1).continuations(of: [7, 3, 8, 3, -1]), [:])
        XCTAssertEqual(CopyMixture(minNgram: 1).continuations(of: []), [:])
    }

    func testACopyWinsOnlyWhereTheModelIsUnsure() {
        // The model: token 0 at probability 0.5, token 1 at 0.3 and the rest spread over 2 and 3.
        let unsure: [Float] = [0.5, 0.3, 0.1, 0.1].map { Float(log($0)) }
        let mixture = CopyMixture(weight: 0.3)
        // 0.7 * 0.3 + 0.3 = 0.51 against 0.7 * 0.5 = 0.35.
        XCTAssertEqual(mixture.choose(logits: unsure[...], continuations: [1: 1]), 1)
        // Token 3 gets 0.07 + 0.3 * 3/4 = 0.295 and token 2 0.07 + 0.075: both below 0.35.
        XCTAssertEqual(mixture.choose(logits: unsure[...], continuations: [3: 3, 2: 1]), 0)
        let sure: [Float] = [0.9, 0.04, 0.03, 0.03].map { Float(log($0)) }
        XCTAssertEqual(mixture.choose(logits: sure[...], continuations: [1: 1]), 0)
        XCTAssertEqual(CopyMixture(weight: 0).choose(logits: unsure[...], continuations: [1: 1]), 0)
    }

    func testACopyTheRowRulesOutOrThatIsOutsideTheVocabularyIsNeverPicked() {
        let row: [Float] = [0, -.infinity, 0, 0]
        XCTAssertEqual(CopyMixture(weight: 1).choose(logits: row[...], continuations: [1: 5, 9: 5]), 0)
    }
}
