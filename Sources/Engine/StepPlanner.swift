/// Which kind of work a sequence serves; lower raw values go first.
public enum Priority: Int, Comparable, Sendable, CaseIterable {
    /// Inline completion: the user is waiting at the cursor.
    case interactive = 0
    case classify = 1
    case summarize = 2

    public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
}

/// Decides which rows go into the next forward pass.
///
/// Every step is one forward pass over all chosen rows: one decode token for each running sequence plus prefill
/// chunks of sequences that still have prompt tokens to compute, under a per-step token budget. Work is ordered by
/// priority with aging (a sequence gains one priority level per `agingSteps` steps of waiting), so a flood of
/// keystrokes cannot starve a summary forever. While interactive work is waiting, background prefill is cut into
/// small chunks so a keystroke never waits behind a long prompt. Within one level, owners (client connections)
/// take turns: each owner's oldest sequence, then each owner's second oldest, and so on, so an owner with a hundred
/// queued jobs gets no more of the budget than one with a single keystroke.
///
/// Pure and deterministic: it sees only the figures below, which is what makes scheduling testable without a model.
public struct StepPlanner: Sendable {
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

    public init(tokenBudget: Int = 256, backgroundChunkWhileInteractive: Int = 16, agingSteps: Int = 64) {
        precondition(tokenBudget > 0 && backgroundChunkWhileInteractive > 0 && agingSteps > 0)
        self.tokenBudget = tokenBudget
        self.backgroundChunkWhileInteractive = backgroundChunkWhileInteractive
        self.agingSteps = agingSteps
    }

    /// The priority a candidate has at `step` after aging: the raw level minus one per `agingSteps` waited.
    public func effectiveLevel(of candidate: Candidate, at step: Int) -> Int {
        candidate.priority.rawValue - max(0, step - candidate.arrivalStep) / agingSteps
    }

    /// The rows of step number `step`, in order of effective priority, then turn (round-robin between owners),
    /// then arrival, then id. O(n log n) in the candidates.
    public func plan(_ candidates: [Candidate], step: Int) -> [Row] {
        let ordered = fairOrder(candidates, step: step)
        let interactiveWaiting = candidates.contains { $0.priority == .interactive }
        var budget = tokenBudget
        var rows: [Row] = []
        // Decoding sequences first: one token each is cheap and keeps every stream moving.
        for candidate in ordered where candidate.pendingPromptTokens == 0 && budget > 0 {
            rows.append(Row(id: candidate.id, tokens: 1))
            budget -= 1
        }
        for candidate in ordered where candidate.pendingPromptTokens > 0 && budget > 0 {
            var chunk = min(candidate.pendingPromptTokens, budget)
            if interactiveWaiting && candidate.priority != .interactive {
                chunk = min(chunk, backgroundChunkWhileInteractive)
            }
            rows.append(Row(id: candidate.id, tokens: chunk))
            budget -= chunk
        }
        return rows
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
