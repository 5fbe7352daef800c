import Foundation
import JSON
import JSONRPC

/// One answered inline completion: the server's `metrics` and the client's own round trip.
struct CompletionSample {
    var promptTokens: Int
    var reusedTokens: Int
    var computedTokens: Int
    var generatedTokens: Int
    var queuedMs: Double
    /// The server's firstTokenMs; when no token came before the deadline (the server then reports 0), its
    /// totalMs instead, a lower bound, so such requests count as slow rather than vanish.
    var firstTokenMs: Double
    var noTokenBeforeDeadline: Bool
    var totalMs: Double
    var roundTripMs: Double

    init(metrics: JSONValue?, roundTripMs: Double) {
        promptTokens = metrics?["promptTokens"]?.int ?? 0
        reusedTokens = metrics?["reusedTokens"]?.int ?? 0
        computedTokens = metrics?["computedTokens"]?.int ?? 0
        generatedTokens = metrics?["generatedTokens"]?.int ?? 0
        queuedMs = metrics?["queuedMs"]?.double ?? 0
        totalMs = metrics?["totalMs"]?.double ?? 0
        let first = metrics?["firstTokenMs"]?.double ?? 0
        noTokenBeforeDeadline = first == 0
        firstTokenMs = first == 0 ? totalMs : first
        self.roundTripMs = roundTripMs
    }
}

/// What the typing clients of one configuration sent and got back.
///
/// Threading: typing threads call `sent`, the client's reader thread calls `answered`; every member is guarded by
/// `lock`.
final class ReplayRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private let allAnswered = NSCondition()
    private(set) var keystrokes = 0
    private(set) var samples: [CompletionSample] = []
    private(set) var cancelled = 0
    private(set) var superseded = 0
    private(set) var failures: [String] = []
    /// Tickets of requests sent and not answered yet (a ticket is taken before sending, so an answer never comes
    /// before its request is known).
    private var pending: Set<Int> = []
    private var nextTicket = 0

    func keystroke() {
        lock.lock()
        keystrokes += 1
        lock.unlock()
    }

    /// A ticket for a request about to be sent.
    func ticket() -> Int {
        lock.lock()
        defer { lock.unlock() }
        nextTicket += 1
        pending.insert(nextTicket)
        return nextTicket
    }

    func isPending(_ ticket: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return pending.contains(ticket)
    }

    /// Records an answer; `started` is when the request was sent (uptime nanoseconds).
    func answered(_ ticket: Int, _ result: Result<JSONValue, ResponseError>?, started: UInt64) {
        let roundTrip = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        lock.lock()
        switch result {
        case .success(let value): samples.append(CompletionSample(metrics: value["metrics"], roundTripMs: roundTrip))
        case .failure(let error) where error.code == .requestCancelled: cancelled += 1
        case .failure(let error) where error.code == .serverCancelled: superseded += 1
        case .failure(let error): failures.append("\(error.code): \(error.message)")
        case nil: failures.append("connection closed")
        }
        pending.remove(ticket)
        let done = pending.isEmpty
        lock.unlock()
        if done {
            allAnswered.lock()
            allAnswered.broadcast()
            allAnswered.unlock()
        }
    }

    /// Waits until every request sent has been answered, at most `seconds`; false on time-out.
    func waitForAnswers(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        allAnswered.lock()
        defer { allAnswered.unlock() }
        while true {
            lock.lock()
            let done = pending.isEmpty
            lock.unlock()
            if done { return true }
            if !allAnswered.wait(until: min(deadline, Date().addingTimeInterval(0.05))) && Date() >= deadline {
                return false
            }
        }
    }
}
