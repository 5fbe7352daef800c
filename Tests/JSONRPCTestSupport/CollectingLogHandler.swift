import Foundation
import Logging

/// A log handler that keeps the messages, to assert what the connection logged.
public final class CollectingLogHandler: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        lock.lock()
        collected.append("\(event.level): \(event.message)")
        lock.unlock()
    }

    public var messages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }

    public var logger: Logger { Logger(label: "test") { _ in self } }
}
