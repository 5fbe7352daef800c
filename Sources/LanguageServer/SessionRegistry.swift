import Foundation
import Protocol

/// The live sessions (client connections) of a process, as `gptls/status` lists them.
///
/// Each session publishes a snapshot of itself after every message it handles, so listing never waits on a
/// session's queue (a session answering `gptls/status` on its own queue lists the others without a deadlock).
///
/// Threading: any thread.
public final class SessionRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var sessions: [String: ConnectionStatus] = [:]
    private var order: [String] = []
    private var counter = 0

    public init() {}

    /// A new session's identity, unique in this process ("1", "2", ...).
    public func register(clientName: String? = nil) -> String {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        let id = String(counter)
        sessions[id] = ConnectionStatus(id: id, clientName: clientName, documents: 0, pendingRequests: 0)
        order.append(id)
        return id
    }

    func publish(_ status: ConnectionStatus) {
        lock.lock()
        if sessions[status.id] != nil { sessions[status.id] = status }
        lock.unlock()
    }

    /// Forgets a session that ended.
    public func remove(_ id: String) {
        lock.lock()
        sessions[id] = nil
        order.removeAll { $0 == id }
        lock.unlock()
    }

    /// Every live session, oldest first.
    public var all: [ConnectionStatus] {
        lock.lock()
        defer { lock.unlock() }
        return order.compactMap { sessions[$0] }
    }

    /// Requests still waiting for a reply, over all sessions.
    public var pendingRequests: Int { all.reduce(0) { $0 + $1.pendingRequests } }
}
