import Foundation
import JSONRPC

/// What the server sent, counted by request id. Threading: any thread (the server replies from its queue).
final class Transcript: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [RequestID: Int] = [:]

    func record(_ message: Message) {
        if trace { print("<- \(message.json.jsonText)") }
        guard case .response(let id?, _) = message else { return }
        lock.lock()
        counts[id, default: 0] += 1
        lock.unlock()
    }

    func replies(to id: RequestID) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return counts[id] ?? 0
    }
}
