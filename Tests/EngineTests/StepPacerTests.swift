import XCTest
@testable import Engine

/// The pacer turns measured steps into a token limit whose steps last the target, without a clock of its own.
final class StepPacerTests: XCTestCase {
    /// A host whose step costs a fixed time (reading the weights once) plus a time per token.
    private func stepSeconds(_ tokens: Int, fixed: Double, perToken: Double) -> Double {
        fixed + perToken * Double(tokens)
    }

    func testBeforeAnyMeasurementTheLimitComesFromTheLowSeed() {
        let pacer = StepPacer(targetSeconds: 0.05, seedTokensPerSecond: 400, minimumTokens: 8)
        XCTAssertEqual(pacer.tokenLimit, 20)
        XCTAssertFalse(pacer.measured)
    }

    func testTheFirstFullStepReplacesTheSeed() {
        var pacer = StepPacer(targetSeconds: 0.05, seedTokensPerSecond: 160, minimumTokens: 8)
        pacer.record(tokens: 8, seconds: 0.008)
        XCTAssertEqual(pacer.tokensPerSecond, 1000, accuracy: 1e-9)
        XCTAssertEqual(pacer.tokenLimit, 50)
    }

    func testStepsOfLessThanHalfTheLimitTeachNothing() {
        var pacer = StepPacer(targetSeconds: 0.05, seedTokensPerSecond: 160, minimumTokens: 8)
        pacer.record(tokens: 8, seconds: 0.008)
        // A keystroke's three tokens behind a fixed cost would read as 100 tokens/s.
        pacer.record(tokens: 3, seconds: 0.03)
        pacer.record(tokens: 24, seconds: 0.2)
        XCTAssertEqual(pacer.tokenLimit, 50)
    }

    func testOneSlowStepMovesTheEstimateOnlyPartOfTheWay() {
        var pacer = StepPacer(targetSeconds: 0.05, seedTokensPerSecond: 160, minimumTokens: 8, smoothing: 0.3)
        pacer.record(tokens: 8, seconds: 0.008)
        pacer.record(tokens: 50, seconds: 0.5)
        XCTAssertEqual(pacer.tokensPerSecond, 1000 + 0.3 * (100 - 1000), accuracy: 1e-9)
        XCTAssertEqual(pacer.tokenLimit, 36)
    }

    func testTheLimitSettlesOnStepsThatLastTheTargetDespiteAFixedCostPerStep() {
        // 10 ms fixed and 0.8 ms a token: steps of 50 tokens last 50 ms.
        var pacer = StepPacer(targetSeconds: 0.05, seedTokensPerSecond: 160, minimumTokens: 8)
        var longest = 0.0
        for _ in 0..<40 {
            let tokens = pacer.tokenLimit
            let seconds = stepSeconds(tokens, fixed: 0.010, perToken: 0.0008)
            longest = max(longest, seconds)
            pacer.record(tokens: tokens, seconds: seconds)
        }
        XCTAssertTrue((48...50).contains(pacer.tokenLimit), "the limit \(pacer.tokenLimit) did not settle on 50 ms steps")
        XCTAssertLessThanOrEqual(longest, 0.05, "learning from below never overshoots the target")
    }

    func testTheLimitFollowsTheHostWhenItSlowsDown() {
        var pacer = StepPacer(targetSeconds: 0.05, seedTokensPerSecond: 160, minimumTokens: 8)
        for _ in 0..<40 { pacer.record(tokens: pacer.tokenLimit, seconds: Double(pacer.tokenLimit) / 2000) }
        XCTAssertTrue((99...100).contains(pacer.tokenLimit), "limit \(pacer.tokenLimit)")
        // Another process takes half the cores: every token now costs twice as long.
        for _ in 0..<20 { pacer.record(tokens: pacer.tokenLimit, seconds: Double(pacer.tokenLimit) / 1000) }
        XCTAssertTrue((49...51).contains(pacer.tokenLimit), "limit \(pacer.tokenLimit)")
    }

    func testTheColdLimitIsWhatHalfAPlainStepsTimeComputesOnceBothAreMeasured() {
        var pacer = StepPacer(targetSeconds: 0.1, seedTokensPerSecond: 160, minimumTokens: 8)
        pacer.record(tokens: 4, seconds: 0.06, plain: true)
        XCTAssertNil(pacer.coldTokenLimit, "no full step measured yet")
        pacer.record(tokens: 16, seconds: 0.032)  // 500 tokens/s
        XCTAssertEqual(pacer.tokensPerSecond, 500, accuracy: 1e-9)
        XCTAssertEqual(pacer.coldTokenLimit, 15)  // 500 tokens/s x 30 ms
        // A plain step teaches the plain time, not the rate; a step with a prompt chunk teaches the plain time nothing.
        pacer.record(tokens: 8, seconds: 0.01, plain: true)
        XCTAssertEqual(pacer.tokensPerSecond, 500, accuracy: 1e-9)
        XCTAssertEqual(pacer.plainStepSeconds ?? 0, 0.06 + 0.3 * (0.01 - 0.06), accuracy: 1e-12)
        pacer.record(tokens: 40, seconds: 0.08)
        XCTAssertEqual(pacer.plainStepSeconds ?? 0, 0.045, accuracy: 1e-12)
    }

    func testTheColdLimitKeepsAFloorSoOpenedDocumentsProgressOnASlowHost() {
        var pacer = StepPacer(targetSeconds: 0.1, seedTokensPerSecond: 160, minimumTokens: 8)
        pacer.record(tokens: 8, seconds: 0.1)  // 80 tokens/s
        pacer.record(tokens: 1, seconds: 0.02, plain: true)
        XCTAssertEqual(pacer.coldTokenLimit, pacer.minimumColdTokens)
    }

    func testAHostTooSlowForTheTargetStillGetsTheMinimumSoPromptsProgress() {
        var pacer = StepPacer(targetSeconds: 0.05, seedTokensPerSecond: 160, minimumTokens: 8)
        for _ in 0..<10 { pacer.record(tokens: pacer.tokenLimit, seconds: stepSeconds(pacer.tokenLimit, fixed: 0.2, perToken: 0.01)) }
        XCTAssertEqual(pacer.tokenLimit, 8)
    }
}
