/// How many tokens one engine step may compute so that it lasts about `targetSeconds` on this host.
///
/// A keystroke that arrives during a step waits for that step to end, so what bounds its wait is the step's time,
/// not its token count: 256 prompt tokens take 0.15 s on one machine and 0.5 s on another, or on the same one under
/// load. The pacer keeps a running estimate of the engine's throughput (tokens per second of whole steps, measured
/// by the engine on the steps it runs) and turns the target time into a token limit for the next step.
///
/// Only steps of at least half the current limit teach it: a step that small or smaller (one keystroke's few tokens,
/// a decode token per sequence) is dominated by the fixed cost of reading the weights once, so its rate says little
/// about a full step, and counting it would shrink the limit after every quiet spell. Steps near the limit do include
/// that fixed cost, which is what makes the limit converge on steps that last the target: a limit too large gives a
/// slow step and a lower estimate, one too small a fast step and a higher one. Each step's rate moves the estimate a
/// `smoothing` share of the way, so one step slowed by another process does not halve the next chunk. The seed
/// estimate is low on purpose (a first step too short costs a little throughput; one too long is the tail this
/// bounds), and the first step that teaches the pacer replaces it entirely.
///
/// A document just opened (a cold prompt) shares steps with the keystrokes of documents being typed in, and a keystroke
/// that lands during a step with a cold chunk waits for all of it, then for its own step, which may carry another.
/// So the pacer also measures plain steps (no prompt chunk: decode tokens and a keystroke's one new token, about the
/// time a keystroke's own step takes) and offers `coldTokenLimit`: the cold tokens that cost about half a plain
/// step, so waiting behind such a step and then running one's own costs at most about three plain steps. A fixed
/// count would not do: 32 tokens of GPT-2 124M in f32 take 16 ms with AVX-512 and 55 ms with AVX2 only.
///
/// Pure value type: the engine measures, the pacer only does arithmetic, so tests feed it figures without a clock.
public struct StepPacer: Sendable, Equatable {
    /// The time one step should take.
    public var targetSeconds: Double
    /// The fewest tokens a step may carry, however slow the host: every prompt keeps progressing, and no chunk is so
    /// small that the step's fixed cost (reading every weight once) swamps it.
    public var minimumTokens: Int
    /// Share of the way a new measurement moves the estimate (0 < smoothing <= 1).
    public var smoothing: Double
    /// The current estimate of the engine's throughput on full steps.
    public private(set) var tokensPerSecond: Double
    /// Whether a step has taught the pacer yet (until then `tokensPerSecond` is the seed).
    public private(set) var measured = false
    /// The estimated time of a plain step (one without a prompt chunk); nil until one has been measured.
    public private(set) var plainStepSeconds: Double?
    /// The fewest cold tokens a step carries beside a keystroke, so an opened document still gets warm on a host
    /// whose plain step is short beside its prefill rate.
    public var minimumColdTokens = 8

    /// - Parameters:
    ///   - targetSeconds: the time one step should take; 0.05 s is about what a keystroke's own step takes on
    ///     GPT-2 124M in f32, so one that waits behind a full step still gets its token within about 2-3x that.
    ///   - seedTokensPerSecond: the estimate before the first measurement: low, as a slow host with a large model
    ///     would give.
    ///   - minimumTokens: 32 because smaller chunks waste the host: on GPT-2 124M, 16-token prefills ran 20-30%
    ///     slower per token than 32-token ones, which ran as fast as 256-token ones; on a loaded host whose fixed
    ///     cost per step nears the target, a smaller floor let chunks shrink to where prefill throughput collapsed.
    public init(targetSeconds: Double = 0.05, seedTokensPerSecond: Double = 160, minimumTokens: Int = 32,
                smoothing: Double = 0.3) {
        precondition(targetSeconds > 0 && seedTokensPerSecond > 0 && minimumTokens > 0)
        precondition(smoothing > 0 && smoothing <= 1)
        self.targetSeconds = targetSeconds
        self.minimumTokens = minimumTokens
        self.smoothing = smoothing
        self.tokensPerSecond = seedTokensPerSecond
    }

    /// The most tokens the next step should carry.
    public var tokenLimit: Int {
        Self.tokens(tokensPerSecond * targetSeconds, atLeast: minimumTokens)
    }

    /// The most cold prompt tokens a step should carry while others type: what the host computes in half a plain
    /// step's time at its full-step rate; nil until both have been measured.
    public var coldTokenLimit: Int? {
        guard measured, let plainStepSeconds else { return nil }
        return Self.tokens(tokensPerSecond * plainStepSeconds / 2, atLeast: minimumColdTokens)
    }

    /// A token count from a product of rate and time, at least `floor`, and finite however fast the host reads.
    private static func tokens(_ count: Double, atLeast floor: Int) -> Int {
        count >= Double(Int.max / 2) ? Int.max / 2 : max(floor, Int(count))
    }

    /// Takes in one step the engine ran: `tokens` rows of the activation matrix in `seconds`; `plain` when no row
    /// carried a prompt chunk (every row one token). Plain steps teach the plain-step time; steps of less than
    /// half the limit, and steps with no measurable time, teach nothing about the rate.
    public mutating func record(tokens: Int, seconds: Double, plain: Bool = false) {
        guard seconds > 0, tokens > 0 else { return }
        if plain {
            plainStepSeconds = plainStepSeconds.map { $0 + smoothing * (seconds - $0) } ?? seconds
        }
        guard 2 * tokens >= tokenLimit else { return }
        let rate = Double(tokens) / seconds
        tokensPerSecond = measured ? tokensPerSecond + smoothing * (rate - tokensPerSecond) : rate
        measured = true
    }
}
