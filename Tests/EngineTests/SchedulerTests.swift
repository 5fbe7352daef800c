import XCTest
@testable import Engine

final class SchedulerTests: XCTestCase {
    typealias Candidate = Scheduler.Candidate

    func testDecodingSequencesGetOneTokenEachBeforeAnyPrefill() {
        let scheduler = Scheduler(tokenBudget: 10)
        let rows = scheduler.schedule([
            Candidate(id: 1, priority: .summarize, arrivalStep: 0, pendingPromptTokens: 100),
            Candidate(id: 2, priority: .interactive, arrivalStep: 0, pendingPromptTokens: 0),
            Candidate(id: 3, priority: .classify, arrivalStep: 0, pendingPromptTokens: 0),
        ], step: 0)
        XCTAssertEqual(rows, [.init(id: 2, tokens: 1), .init(id: 3, tokens: 1), .init(id: 1, tokens: 8)])
    }

    func testInteractivePrefillGoesBeforeBackgroundAndBackgroundIsChunkedMeanwhile() {
        let scheduler = Scheduler(tokenBudget: 256, backgroundChunkWhileInteractive: 16)
        let rows = scheduler.schedule([
            Candidate(id: 1, priority: .summarize, arrivalStep: 0, pendingPromptTokens: 500),
            Candidate(id: 2, priority: .interactive, arrivalStep: 5, pendingPromptTokens: 3),
        ], step: 5)
        XCTAssertEqual(rows, [.init(id: 2, tokens: 3), .init(id: 1, tokens: 16)])
    }

    func testBackgroundWorkUsesTheWholeBudgetWhenNoOneIsTyping() {
        let scheduler = Scheduler(tokenBudget: 256)
        let rows = scheduler.schedule([Candidate(id: 1, priority: .summarize, arrivalStep: 0, pendingPromptTokens: 500)],
                                step: 0)
        XCTAssertEqual(rows, [.init(id: 1, tokens: 256)])
    }

    func testAFloodOfInteractiveWorkCannotStarveASummary() {
        // Each step a new keystroke arrives with enough prompt to fill the budget on its own.
        let scheduler = Scheduler(tokenBudget: 32, backgroundChunkWhileInteractive: 8, agingSteps: 16)
        var summaryPending = 64
        var served = 0
        for step in 0..<200 where summaryPending > 0 {
            let rows = scheduler.schedule([
                Candidate(id: 0, priority: .summarize, arrivalStep: 0, pendingPromptTokens: summaryPending),
                Candidate(id: step + 1, priority: .interactive, arrivalStep: step, pendingPromptTokens: 40),
            ], step: step)
            if let row = rows.first(where: { $0.id == 0 }) {
                summaryPending -= row.tokens
                served = step
            }
        }
        XCTAssertEqual(summaryPending, 0, "the summary never finished its prefill")
        XCTAssertLessThan(served, 200)
    }

    func testAgingRaisesOneLevelPerAgingPeriod() {
        let scheduler = Scheduler(agingSteps: 10)
        let summary = Candidate(id: 0, priority: .summarize, arrivalStep: 0, pendingPromptTokens: 1)
        XCTAssertEqual(scheduler.effectiveLevel(of: summary, at: 9), 2)
        XCTAssertEqual(scheduler.effectiveLevel(of: summary, at: 10), 1)
        XCTAssertEqual(scheduler.effectiveLevel(of: summary, at: 25), 0)
    }

    func testSpeculativeWorkNeverAges() {
        let scheduler = Scheduler(agingSteps: 10)
        let ahead = Candidate(id: 0, priority: .speculative, arrivalStep: 0, pendingPromptTokens: 1)
        XCTAssertEqual(scheduler.effectiveLevel(of: ahead, at: 1000), Priority.speculative.rawValue)
    }

    func testSpeculativeWorkGetsNoRowsWhileAKeystrokeWaits() {
        let scheduler = Scheduler(tokenBudget: 256)
        let ahead = [Candidate(id: 1, priority: .speculative, arrivalStep: 0, pendingPromptTokens: 0),
                     Candidate(id: 2, priority: .speculative, arrivalStep: 0, pendingPromptTokens: 40)]
        let keystroke = Candidate(id: 3, priority: .interactive, arrivalStep: 5, pendingPromptTokens: 8)
        XCTAssertEqual(scheduler.schedule(ahead + [keystroke], step: 5), [Scheduler.Row(id: 3, tokens: 8)])
        // Alone, or beside a summary, it runs like any background work.
        let summary = Candidate(id: 4, priority: .summarize, arrivalStep: 0, pendingPromptTokens: 100)
        XCTAssertEqual(scheduler.schedule(ahead + [summary], step: 5),
                       [Scheduler.Row(id: 1, tokens: 1), Scheduler.Row(id: 4, tokens: 100), Scheduler.Row(id: 2, tokens: 40)])
    }

    func testOwnersTakeTurnsWithinAPriority() {
        let scheduler = Scheduler(tokenBudget: 20)
        let flood = (1...5).map { Candidate(id: $0, priority: .interactive, arrivalStep: 0, pendingPromptTokens: 10,
                                            owner: "flood") }
        let keystroke = Candidate(id: 9, priority: .interactive, arrivalStep: 3, pendingPromptTokens: 10, owner: "typist")
        XCTAssertEqual(scheduler.schedule(flood + [keystroke], step: 3).map(\.id), [1, 9])
    }

    func testAKeystrokeGoesBeforeColdPromptsAndColdPrefillIsCappedWhileOthersType() {
        let scheduler = Scheduler(tokenBudget: 256, coldChunk: 32)
        let cold = (1...8).map { Candidate(id: $0, priority: .interactive, arrivalStep: 0, pendingPromptTokens: 256,
                                           owner: "editor\($0)") }
        let keystroke = Candidate(id: 20, priority: .interactive, arrivalStep: 3, pendingPromptTokens: 2, owner: "editor9")
        let decoding = Candidate(id: 21, priority: .interactive, arrivalStep: 1, pendingPromptTokens: 0, owner: "editor9")
        let rows = scheduler.schedule(cold + [keystroke, decoding], step: 3)
        XCTAssertEqual(rows, [.init(id: 21, tokens: 1), .init(id: 20, tokens: 2), .init(id: 1, tokens: 32)])
    }

    func testTheColdLimitCutsColdPrefillBesideOrJustAfterAKeystrokeButNotAColdPromptAlone() {
        let scheduler = Scheduler(tokenBudget: 256, coldChunk: 32)
        let cold = Candidate(id: 1, priority: .interactive, arrivalStep: 0, pendingPromptTokens: 256, owner: "opened")
        let keystroke = Candidate(id: 2, priority: .interactive, arrivalStep: 1, pendingPromptTokens: 1, owner: "typist")
        XCTAssertEqual(scheduler.schedule([cold, keystroke], step: 1, tokenLimit: 60, coldLimit: 12),
                       [.init(id: 2, tokens: 1), .init(id: 1, tokens: 12)])
        XCTAssertEqual(scheduler.schedule([cold], step: 1, tokenLimit: 60, coldLimit: 12), [.init(id: 1, tokens: 60)])
        // Just after a keystroke, a cold prompt alone is cut too: the next keystroke may land during the step.
        XCTAssertEqual(scheduler.schedule([cold], step: 1, tokenLimit: 60, coldLimit: 12, typingNearby: true),
                       [.init(id: 1, tokens: 12)])
        // A limit above the cold chunk leaves the chunk as it was.
        XCTAssertEqual(scheduler.schedule([cold, keystroke], step: 1, tokenLimit: 60, coldLimit: 50).last,
                       .init(id: 1, tokens: 32))
    }

    func testColdPromptsGoShortestRemainingFirst() {
        let scheduler = Scheduler(tokenBudget: 256, coldChunk: 32)
        let rows = scheduler.schedule([
            Candidate(id: 1, priority: .interactive, arrivalStep: 0, pendingPromptTokens: 200, owner: "a"),
            Candidate(id: 2, priority: .interactive, arrivalStep: 1, pendingPromptTokens: 100, owner: "b"),
        ], step: 2)
        XCTAssertEqual(rows, [.init(id: 2, tokens: 100), .init(id: 1, tokens: 156)])
    }

    func testAColdPromptAloneGetsTheWholeBudget() {
        let scheduler = Scheduler(tokenBudget: 256, coldChunk: 32)
        let rows = scheduler.schedule([Candidate(id: 1, priority: .interactive, arrivalStep: 0, pendingPromptTokens: 300)],
                                step: 0)
        XCTAssertEqual(rows, [.init(id: 1, tokens: 256)])
    }

    func testWhileEightColdDocumentsWarmUpEveryStepCarriesAtMostOneColdChunk() {
        // Eight documents opened at once and a keystroke every step: no step may carry more than the keystroke, one
        // cold chunk and the last chunk of a prompt that just got warm; and every document still gets warm.
        let scheduler = Scheduler(tokenBudget: 256, coldChunk: 32)
        var pending = Array(repeating: 256, count: 8)
        var step = 0
        while pending.contains(where: { $0 > 0 }) && step < 200 {
            let candidates = (0..<8).filter { pending[$0] > 0 }.map { Candidate(id: $0, priority: .interactive, arrivalStep: 0,
                                                     pendingPromptTokens: pending[$0], owner: "editor\($0)") }
                + [Candidate(id: 100 + step, priority: .interactive, arrivalStep: step, pendingPromptTokens: 1,
                             owner: "typist")]
            let rows = scheduler.schedule(candidates, step: step)
            XCTAssertTrue(rows.contains(.init(id: 100 + step, tokens: 1)), "step \(step) left the keystroke out")
            XCTAssertLessThanOrEqual(rows.reduce(0) { $0 + $1.tokens }, 1 + 32 + 32, "step \(step): \(rows)")
            for row in rows where row.id < 8 { pending[row.id] -= row.tokens }
            step += 1
        }
        XCTAssertEqual(pending, Array(repeating: 0, count: 8), "cold documents starved")
    }

    func testPrefillStaysWithinTheStepsTokenLimitEvenForAColdPromptAlone() {
        let scheduler = Scheduler(tokenBudget: 256, coldChunk: 32)
        let rows = scheduler.schedule([Candidate(id: 1, priority: .interactive, arrivalStep: 0, pendingPromptTokens: 300)],
                                      step: 0, tokenLimit: 40)
        XCTAssertEqual(rows, [.init(id: 1, tokens: 40)])
    }

    func testDecodeTokensAreNeverCutByTheLimitAndPromptsKeepHalfOfIt() {
        // A cold chunk larger than the prompt, so only the limit cuts it.
        let scheduler = Scheduler(tokenBudget: 256, coldChunk: 128)
        let decoding = (1...30).map { Candidate(id: $0, priority: .interactive, arrivalStep: 0, pendingPromptTokens: 0,
                                                owner: "editor\($0)") }
        let prompt = Candidate(id: 99, priority: .interactive, arrivalStep: 1, pendingPromptTokens: 100, owner: "late")
        let rows = scheduler.schedule(decoding + [prompt], step: 2, tokenLimit: 40)
        XCTAssertEqual(rows.filter { $0.tokens == 1 }.count, 30)
        XCTAssertEqual(rows.last, .init(id: 99, tokens: 20))
        let few = scheduler.schedule(Array(decoding.prefix(4)) + [prompt], step: 2, tokenLimit: 40)
        XCTAssertEqual(few.last, .init(id: 99, tokens: 36))
    }

    func testUnderATokenLimitEightColdDocumentsStillAllGetWarmWhileSomeoneTypes() {
        let scheduler = Scheduler(tokenBudget: 256, coldChunk: 16)
        var pending = Array(repeating: 256, count: 8)
        var step = 0
        while pending.contains(where: { $0 > 0 }) && step < 400 {
            let candidates = (0..<8).filter { pending[$0] > 0 }.map { Candidate(id: $0, priority: .interactive, arrivalStep: 0,
                                                     pendingPromptTokens: pending[$0], owner: "editor\($0)") }
                + [Candidate(id: 100 + step, priority: .interactive, arrivalStep: step, pendingPromptTokens: 1,
                             owner: "typist")]
            let rows = scheduler.schedule(candidates, step: step, tokenLimit: 40)
            XCTAssertTrue(rows.contains(.init(id: 100 + step, tokens: 1)), "step \(step) left the keystroke out")
            XCTAssertLessThanOrEqual(rows.reduce(0) { $0 + $1.tokens }, 40, "step \(step): \(rows)")
            for row in rows where row.id < 8 { pending[row.id] -= row.tokens }
            step += 1
        }
        XCTAssertEqual(pending, Array(repeating: 0, count: 8), "cold documents starved")
    }
}
