/// Splits a `text/event-stream` body into the data of its events, as bytes arrive in pieces of any size.
///
/// An event ends at a blank line; its `data:` lines are joined with newlines; comments (`:`) and other fields are
/// skipped. Lines may end in LF or CRLF. Not thread-safe: one parser per stream.
struct ServerSentEvents {
    private var buffer: [UInt8] = []
    private var data: [String] = []

    /// Feeds bytes; returns the data of every event they complete, in order.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        buffer.append(contentsOf: bytes)
        var events: [String] = []
        var start = 0
        while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = String(decoding: buffer[start..<end], as: UTF8.self)
            start = newline + 1
            if line.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")) }
                data = []
            } else if line.hasPrefix("data:") {
                var value = line.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                data.append(String(value))
            }
        }
        buffer.removeFirst(start)
        return events
    }
}
