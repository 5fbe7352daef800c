import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// A temporary socket directory, the `gptls connect` editors started on it and the shared process they start.
///
/// Each editor is a real `gptls connect` process driven over its stdin/stdout; the shared process is the real
/// `gptls serve --socket` that the first of them starts. Everything started here is ended by process id.
final class SharedProcess {
    let directory: URL
    let socket: String
    private(set) var editors: [ServerProcess] = []

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-shared-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socket = directory.appendingPathComponent("run/gptls.sock").path
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_STATE_HOME"] = directory.appendingPathComponent("state").path
        return environment
    }

    /// The shared process's log (written by the process `connect` started).
    var log: String {
        (try? String(contentsOfFile: directory.appendingPathComponent("state/gptls/server.log").path, encoding: .utf8)) ?? ""
    }

    /// The socket directory of a `gptls connect` given no `--socket` (with `XDG_RUNTIME_DIR` set by `connect`).
    var runtimeDirectory: String { directory.appendingPathComponent("runtime").path }

    /// Starts a `gptls connect` editor (not yet initialized). With `version`, it plays that version
    /// (`GPTLS_TEST_VERSION`) and uses its version's default socket under `runtimeDirectory` instead of `socket`.
    /// With `replayDelayMs`, its relay waits that long between connecting to a restarted process and replaying the
    /// session (`GPTLS_TEST_REPLAY_DELAY_MS`), which leaves a test time to act while it holds the editor's messages.
    func connect(idleExit: Double = 30, version: String? = nil, replayDelayMs: Int? = nil) throws -> ServerProcess {
        var environment = environment
        if let replayDelayMs { environment["GPTLS_TEST_REPLAY_DELAY_MS"] = String(replayDelayMs) }
        var arguments = ["connect", "--model", Binary.model, "--idle-exit", String(idleExit)]
        if let version {
            try FileManager.default.createDirectory(atPath: runtimeDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            environment["XDG_RUNTIME_DIR"] = runtimeDirectory
            environment["GPTLS_TEST_VERSION"] = version
        } else {
            arguments += ["--socket", socket]
        }
        let editor = try ServerProcess(executable: try Binary.gptls, arguments: arguments,
                                       captureStandardError: true, environment: environment)
        editors.append(editor)
        return editor
    }

    /// Starts an editor and initializes its session as `name`.
    func editor(_ name: String, idleExit: Double = 30, replayDelayMs: Int? = nil) throws -> ServerProcess {
        let editor = try connect(idleExit: idleExit, replayDelayMs: replayDelayMs)
        try Self.initialize(editor, name: name)
        return editor
    }

    static func initialize(_ editor: ServerProcess, name: String) throws {
        _ = try editor.client.request("initialize", params: [
            "processId": .null, "capabilities": [:], "clientInfo": ["name": .string(name)],
            "initializationOptions": ["deadlineMs": 60000],
        ], timeout: 120)
        editor.client.notify("initialized", params: [:])
    }

    /// Ids of the running `gptls serve --socket` processes of this directory.
    var serverPIDs: [Int32] { serverPIDs { $0 == socket } }

    /// Ids of the running `gptls serve --socket` processes whose socket path passes `socket`.
    func serverPIDs(_ socket: (String) -> Bool) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.contains("serve"), let flag = arguments.firstIndex(of: "--socket"),
                  flag + 1 < arguments.count else { return false }
            return socket(arguments[flag + 1])
        }
    }

    /// Waits until `condition` holds or `seconds` pass; returns whether it held.
    @discardableResult
    static func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    /// Waits (up to `seconds`) for an editor to end and returns its exit code (128 + signal when killed), or nil.
    ///
    /// Reaps with waitpid itself: Foundation's `Process.waitUntilExit` did not return for these editors (whose
    /// child, the shared process, outlives them in a session of its own).
    static func reap(_ editor: ServerProcess, seconds: Double = 10) -> Int32? {
        let pid = editor.process.processIdentifier
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal
            }
            if result < 0 { return editor.process.isRunning ? nil : editor.process.terminationStatus }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    /// Ends every editor and server started here, by id, and removes the directory.
    func tearDown() {
        // By id, without Process.waitUntilExit: an editor that its test already killed must not hang the teardown.
        for editor in editors {
            kill(editor.process.processIdentifier, SIGKILL)
            _ = Self.reap(editor)
        }
        for (index, editor) in editors.enumerated() where !editor.standardError.isEmpty {
            print("editor \(index) stderr: \(editor.standardError)")
        }
        for pid in serverPIDs({ $0.hasPrefix(directory.path) }) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    static func open(_ editor: ServerProcess, uri: String, text: String) {
        editor.client.notify("textDocument/didOpen", params: [
            "textDocument": ["uri": .string(uri), "languageId": "python", "version": 1, "text": .string(text)],
        ])
    }

    static func completionParams(uri: String, line: Int, character: Int) -> JSONValue {
        ["textDocument": ["uri": .string(uri)], "position": ["line": .int(line), "character": .int(character)],
         "context": ["triggerKind": 2]]
    }

    static func status(_ editor: ServerProcess) throws -> JSONValue {
        try editor.client.request("gptls/status", timeout: 60)
    }
}
