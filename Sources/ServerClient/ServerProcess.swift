import Foundation
import JSON
import Logging

/// A language server started as a child process, with a `JSONRPCClient` on its stdin/stdout.
///
/// Used by `gptls demo`, `gptls-tools bench-server` and the end-to-end tests, which drive the real binary the way an
/// editor does. The child's stderr (its log) is passed through to ours unless `captureStandardError` is set.
public final class ServerProcess: @unchecked Sendable {
    public let process = Process()
    public let client: JSONRPCClient
    private let toServer = Pipe()
    private let fromServer = Pipe()
    private let errors = Pipe()
    private let inbox = Inbox()

    /// What the server sent unasked: notifications and its stderr. Filled from reader threads.
    private final class Inbox: @unchecked Sendable {
        let lock = NSLock()
        var notifications: [(method: String, params: JSONValue?)] = []
        var log = Data()

        func append(_ method: String, _ params: JSONValue?) {
            lock.lock()
            notifications.append((method, params))
            lock.unlock()
        }

        func append(_ data: Data) {
            lock.lock()
            log.append(data)
            lock.unlock()
        }
    }

    /// Starts `executable` (see `ServerExecutable` for where to find it) with `arguments`.
    public init(executable: URL, arguments: [String], captureStandardError: Bool = false,
                environment: [String: String]? = nil) throws {
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = toServer
        process.standardOutput = fromServer
        if captureStandardError { process.standardError = errors }
        try process.run()
        let inbox = inbox
        client = JSONRPCClient(input: fromServer.fileHandleForReading.fileDescriptor,
                               output: toServer.fileHandleForWriting.fileDescriptor,
                               onNotification: { inbox.append($0, $1) })
        if captureStandardError {
            errors.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if !data.isEmpty { inbox.append(data) }
            }
        }
    }

    /// Notifications received so far, in order.
    public var receivedNotifications: [(method: String, params: JSONValue?)] {
        inbox.lock.lock()
        defer { inbox.lock.unlock() }
        return inbox.notifications
    }

    /// What the server wrote to stderr so far (with `captureStandardError`).
    public var standardError: String {
        inbox.lock.lock()
        defer { inbox.lock.unlock() }
        return String(decoding: inbox.log, as: UTF8.self)
    }

    /// Closes the server's stdin (end of input).
    public func closeInput() {
        try? toServer.fileHandleForWriting.close()
    }

    /// Waits for the process to end and returns its exit code.
    @discardableResult
    public func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Ends the process if it still runs.
    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
