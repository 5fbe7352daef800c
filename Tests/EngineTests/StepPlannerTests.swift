import XCTest
@testable import Engine

final class StepPlannerTests: XCTestCase {
    typealias Candidate = StepPlanner.Candidate

    func testDecodingSequencesGetOneTokenEachBeforeAnyPrefill() {
        let planner = StepPlanner(tokenBudget: 10)
        let rows = planner.plan([
            Candidate(id: 1, priority: .summarize, arrivalStep: 0, pendingPromptTokens: 100),
            Candidate(id: 2, priority: .interactive, arrivalStep: 0, pendingPromptTokens: 0),
            Candidate(id: 3, priority: .classify, arrivalStep: 0, pendingPromptTokens: 0),
        ], step: 0)
        XCTAssertEqual(rows, [.init(id: 2, tokens: 1), .init(id: 3, tokens: 1), .init(id: 1, tokens: 8)])
    }

    func testInteractivePrefillGoesBeforeBackgroundAndBackgroundIsChunkedMeanwhile() {
        let planner = StepPlanner(tokenBudget: 256, backgroundChunkWhileInteractive: 16)
        let rows = planner.plan([
            Candidate(id: 1, priority: .summarize, arrivalStep: 0, pendingPromptTokens: 500),
            Candidate(id: 2, priority: .interactive, arrivalStep: 5, pendingPromptTokens: 3),
        ], step: 5)
        XCTAssertEqual(rows, [.init(id: 2, tokens: 3), .init(id: 1, tokens: 16)])
    }

    func testBackgroundWorkUsesTheWholeBudgetWhenNoOneIsTyping() {
        let planner = StepPlanner(tokenBudget: 256)
        let rows = planner.plan([Candidate(id: 1, priority: .summarize, arrivalStep: 0, pendingPromptTokens: 500)],
                                step: 0)
        XCTAssertEqual(rows, [.init(id: 1, tokens: 256)])
    }

    func testAFloodOfInteractiveWorkCannotStarveASummary() {
        // Each step a new keystroke arrives with enough prompt to fill the budget on its own.
        let planner = StepPlanner(tokenBudget: 32, backgroundChunkWhileInteractive: 8, agingSteps: 16)
        var summaryPending = 64
        var served = 0
        for step in 0..<200 where summaryPending > 0 {
            let rows = planner.plan([
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
        let planner = StepPlanner(agingSteps: 10)
        let summary = Candidate(id: 0, priority: .summarize, arrivalStep: 0, pendingPromptTokens: 1)
        XCTAssertEqual(planner.effectiveLevel(of: summary, at: 9), 2)
        XCTAssertEqual(planner.effectiveLevel(of: summary, at: 10), 1)
        XCTAssertEqual(planner.effectiveLevel(of: summary, at: 25), 0)
    }

    func testOwnersTakeTurnsWithinAPriority() {
        let planner = StepPlanner(tokenBudget: 20)
        let flood = (1...5).map { Candidate(id: $0, priority: .interactive, arrivalStep: 0, pendingPromptTokens: 10,
                                            owner: "flood") }
        let keystroke = Candidate(id: 9, priority: .interactive, arrivalStep: 3, pendingPromptTokens: 10, owner: "typist")
        XCTAssertEqual(planner.plan(flood + [keystroke], step: 3).map(\.id), [1, 9])
    }
}
