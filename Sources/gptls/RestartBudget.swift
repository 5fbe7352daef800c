import Foundation

/// How often `gptls connect` restarts the shared process before it gives up: `limit` restarts within `window`
/// seconds (VS Code's language client allows five in three minutes), so a process that dies at every start is not
/// restarted forever.
struct RestartBudget {
    static let limit = 5
    static let window: TimeInterval = 180
    private var restarts: [Date] = []

    /// Counts a restart at `now`; false when `limit` restarts already happened within the last `window`.
    mutating func allowRestart(at now: Date) -> Bool {
        restarts.removeAll { now.timeIntervalSince($0) >= RestartBudget.window }
        guard restarts.count < RestartBudget.limit else { return false }
        restarts.append(now)
        return true
    }
}
