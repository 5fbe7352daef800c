import JSONRPC

/// The editor's messages that `gptls connect` holds while the shared process is down, within `maximumBytes`.
///
/// Document, settings and trace notifications are not held once the session has an `initialize` to replay:
/// `RelaySession` has already folded them into the session, and its replay gives the new process the same state. The
/// rest (requests, cancels, anything else) waits for the new process. A message that would take the held frames past
/// `maximumBytes` (an editor that keeps sending while the process takes long to come back) drops them instead: the
/// held requests are handed back, to be answered with an error that says to ask again, and only the editor's own
/// `initialize` stays held, because the replay answers it.
///
/// Threading: not thread-safe; `SocketRelay` uses it under its lock.
struct HeldMessages {
    /// The most bytes of frames held: far above what an editor sends in the seconds a restart takes.
    static let maximumBytes = 4 << 20

    private(set) var messages: [(message: Message?, frame: [UInt8])] = []
    private(set) var bytes = 0

    /// Holds `message` (nil when its frame did not decode) unless `replayCovers` it. Returns the requests dropped to
    /// stay within the bound, with their methods, oldest first; each must be answered once.
    mutating func hold(_ message: Message?, frame: [UInt8], replayCovers: Bool) -> [(id: RequestID, method: String)] {
        if replayCovers, let message, RelaySession.isReplayed(message) { return [] }
        guard bytes + frame.count > HeldMessages.maximumBytes else {
            messages.append((message, frame))
            bytes += frame.count
            return []
        }
        var dropped: [(id: RequestID, method: String)] = []
        var kept: [(message: Message?, frame: [UInt8])] = []
        for entry in messages + [(message, frame)] {
            guard case .request(let id, let method, _)? = entry.message else { continue }
            if method == "initialize" {
                kept.append(entry)
            } else {
                dropped.append((id, method))
            }
        }
        messages = kept
        bytes = kept.reduce(0) { $0 + $1.frame.count }
        return dropped
    }
}
