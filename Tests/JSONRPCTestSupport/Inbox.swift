import Foundation
import XCTest
import JSONRPC

/// Collects what a connection delivers, for tests to wait on.
public final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [Message] = []
    private let arrived = DispatchSemaphore(value: 0)
    public let closed = DispatchSemaphore(value: 0)

    public init() {}

    public func add(_ message: Message) {
        lock.lock()
        received.append(message)
        lock.unlock()
        arrived.signal()
    }

    /// Waits for `count` more messages (generous timeout: a hang fails instead of blocking the suite).
    public func wait(for count: Int, file: StaticString = #filePath, line: UInt = #line) {
        for _ in 0..<count {
            if arrived.wait(timeout: .now() + 30) == .timedOut {
                XCTFail("a message did not arrive", file: file, line: line)
                return
            }
        }
    }

    public var messages: [Message] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }
}
