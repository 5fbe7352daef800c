/// The scheduler: decides which rows go into the next forward pass.
///
/// Every step is one forward pass over all chosen rows: one decode token for each running sequence plus prefill
/// chunks of sequences that still have prompt tokens to compute, under a per-step token budget. Work is ordered by
/// priority with aging (a sequence gains one priority level per `agingSteps` steps of waiting), so a flood of
/// keystrokes cannot starve a summary forever. While interactive work is waiting, background prefill is cut into
/// small chunks so a keystroke never waits behind a long prompt. Within one level, owners (client connections)
/// take turns: each owner's oldest sequence, then each owner's second oldest, and so on, so an owner with a hundred
/// queued jobs gets no more of the budget than one with a single keystroke.
///
/// Cold prompts (more than `coldChunk` tokens still to compute: a document just opened, a jump to a far place) share
/// the interactive class with keystrokes, so they are kept apart in two ways: warm prompts go before cold ones, and
/// cold ones go shortest remaining first; and while other interactive work is in flight (a sequence decoding or a
/// warm prompt), all cold prefill together takes at most `coldChunk` tokens of a step.
///
/// A keystroke that arrives during a step waits for it, so each step's prefill is also held to the `tokenLimit` the
/// engine passes: the tokens one step computes in its target time on this host (see `StepPacer`). Decode tokens are
/// never cut by it (a user waits for each); prompts get what is left of it, and at least half of it, so a crowd of
/// decoding sequences cannot stop them from progressing. The engine also passes a `coldLimit` (the pacer's
/// `coldTokenLimit`: the cold tokens that cost about half a plain step on this host), which cuts the cold chunk
/// further while other interactive work is in flight or, `typingNearby`, was a moment ago: a keystroke that lands
/// during a step of cold prefill waits for all of it.
///
/// Pure and deterministic: it sees only the figures below, which is what makes scheduling testable without a model.
public struct Scheduler: Sendable {
    public struct Candidate: Equatable, Sendable {
        public var id: Int
        public var priority: Priority
        /// Step number at which the sequence arrived; older work ages into higher priority.
        public var arrivalStep: Int
        /// Prompt tokens not computed yet; 0 means the sequence is decoding (one token per step).
        public var pendingPromptTokens: Int
        /// Who asked for the work; owners take turns within one effective priority level.
        public var owner: String

        public init(id: Int, priority: Priority, arrivalStep: Int, pendingPromptTokens: Int, owner: String = "") {
            self.id = id
            self.priority = priority
            self.arrivalStep = arrivalStep
            self.pendingPromptTokens = pendingPromptTokens
            self.owner = owner
        }
    }

    /// One row of the next step: `tokens` new tokens of sequence `id`.
    public struct Row: Equatable, Sendable {
        public var id: Int
        public var tokens: Int
    }

    /// Most tokens (rows of the activation matrix) in one step.
    public var tokenBudget: Int
    /// Largest prefill chunk of background work while interactive work is waiting.
    public var backgroundChunkWhileInteractive: Int
    public var agingSteps: Int
    /// Most tokens of cold interactive prefill in one step while other interactive work is in flight; a prompt with
    /// more tokens than this still to compute is cold.
    public var coldChunk: Int

    public init(tokenBudget: Int = 256, backgroundChunkWhileInteractive: Int = 16, agingSteps: Int = 64,
                coldChunk: Int = 32) {
        precondition(tokenBudget > 0 && backgroundChunkWhileInteractive > 0 && agingSteps > 0 && coldChunk > 0)
        self.tokenBudget = tokenBudget
        self.backgroundChunkWhileInteractive = backgroundChunkWhileInteractive
        self.agingSteps = agingSteps
        self.coldChunk = coldChunk
    }

    /// Whether a candidate is an interactive prompt with more than one cold chunk still to compute.
    func isCold(_ candidate: Candidate) -> Bool {
        candidate.priority == .interactive && candidate.pendingPromptTokens > coldChunk
    }

    /// Whether a user waits on any of `candidates` in a document already warm: a keystroke's prompt, or a sequence
    /// decoding for a user. Cold prefill beside such work is cut.
    func hasKeystrokeWork(_ candidates: [Candidate]) -> Bool {
        candidates.contains { $0.priority == .interactive && !isCold($0) }
    }

    /// The priority a candidate has at `step` after aging: the raw level minus one per `agingSteps` waited.
    /// Speculative work does not age: it must never come before work someone waits for.
    public func effectiveLevel(of candidate: Candidate, at step: Int) -> Int {
        guard candidate.priority != .speculative else { return candidate.priority.rawValue }
        return candidate.priority.rawValue - max(0, step - candidate.arrivalStep) / agingSteps
    }

    /// The rows of step number `step`, in order of effective priority, then turn (round-robin between owners),
    /// then arrival, then id; within a level, cold prompts after the others, shortest remaining first. Prefill
    /// takes at most `tokenLimit` less the decode rows, and at least half of `tokenLimit` when prompts wait; cold
    /// prefill beside other interactive work, or with `typingNearby`, at most `coldChunk` and `coldLimit`.
    /// O(n log n) in the candidates.
    public func schedule(_ candidates: [Candidate], step: Int, tokenLimit: Int = .max, coldLimit: Int = .max,
                         typingNearby: Bool = false) -> [Row] {
        precondition(tokenLimit > 0 && coldLimit > 0, "a step needs room for a token")
        let fair = fairOrder(candidates, step: step)
        let interactiveWaiting = candidates.contains { $0.priority == .interactive }
        let warmInteractive = hasKeystrokeWork(candidates)
        var budget = tokenBudget
        var coldBudget = warmInteractive || typingNearby ? min(coldChunk, coldLimit) : tokenBudget
        var rows: [Row] = []
        // Speculative work waits, even its decode tokens, while a user waits.
        let ordered = interactiveWaiting ? fair.filter { $0.priority != .speculative } : fair
        // Decoding sequences first: one token each is cheap and keeps every stream moving.
        for candidate in ordered where candidate.pendingPromptTokens == 0 && budget > 0 {
            rows.append(Row(id: candidate.id, tokens: 1))
            budget -= 1
        }
        let decodeRows = rows.count
        let prefillLimit = max(tokenLimit - decodeRows, max(1, tokenLimit / 2))
        budget = min(budget, prefillLimit)
        for candidate in prefillOrder(ordered, step: step) where budget > 0 {
            var chunk = min(candidate.pendingPromptTokens, budget)
            if interactiveWaiting && candidate.priority != .interactive {
                chunk = min(chunk, backgroundChunkWhileInteractive)
            }
            if isCold(candidate) {
                chunk = min(chunk, coldBudget)
                guard chunk > 0 else { continue }
                coldBudget -= chunk
            }
            rows.append(Row(id: candidate.id, tokens: chunk))
            budget -= chunk
        }
        return rows
    }

    /// The prompts of `ordered` (already in fair order) with each level's cold prompts moved after its warm ones and
    /// sorted by tokens remaining, fewest first (ties keep the fair order).
    func prefillOrder(_ ordered: [Candidate], step: Int) -> [Candidate] {
        ordered.enumerated().filter { $0.element.pendingPromptTokens > 0 }.sorted { a, b in
            let (la, lb) = (effectiveLevel(of: a.element, at: step), effectiveLevel(of: b.element, at: step))
            if la != lb { return la < lb }
            let (ca, cb) = (isCold(a.element), isCold(b.element))
            if ca != cb { return !ca }
            if ca && a.element.pendingPromptTokens != b.element.pendingPromptTokens {
                return a.element.pendingPromptTokens < b.element.pendingPromptTokens
            }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Candidates by effective level; within a level, the k-th oldest sequence of every owner comes before any
    /// owner's (k+1)-th (its turn), and within a turn the older arrival goes first.
    func fairOrder(_ candidates: [Candidate], step: Int) -> [Candidate] {
        let byArrival = candidates.sorted {
            let (a, b) = (effectiveLevel(of: $0, at: step), effectiveLevel(of: $1, at: step))
            if a != b { return a < b }
            if $0.arrivalStep != $1.arrivalStep { return $0.arrivalStep < $1.arrivalStep }
            return $0.id < $1.id
        }
        struct Slot: Hashable { var level: Int; var owner: String }
        var seen: [Slot: Int] = [:]
        let turns: [(turn: Int, position: Int, candidate: Candidate)] = byArrival.enumerated().map { position, candidate in
            let slot = Slot(level: effectiveLevel(of: candidate, at: step), owner: candidate.owner)
            let turn = seen[slot, default: 0]
            seen[slot] = turn + 1
            return (turn, position, candidate)
        }
        return turns.sorted {
            let (a, b) = (effectiveLevel(of: $0.candidate, at: step), effectiveLevel(of: $1.candidate, at: step))
            if a != b { return a < b }
            if $0.turn != $1.turn { return $0.turn < $1.turn }
            return $0.position < $1.position
        }.map(\.candidate)
    }
}
