import ArgumentParser
import Foundation
import JSON
import JSONRPC
import ServerClient

/// `gptls status`: asks the shared process for `gptls/status` and prints it, from a shell.
///
/// It opens a session of its own (initialize, the request, shutdown, exit), so the listing includes it, marked
/// `current`. It never starts a process. The printed object is `gptls/status`'s result plus the process's `socket`
/// and `version`; without `--socket`, processes of other versions still running beside this version's (after an
/// upgrade, until their editors leave) are listed under `others`, each in the same form.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the shared gptls process's status: connections, models, memory and cache figures (JSON).")

    @Option(help: ArgumentHelp("The shared process's socket (default: as `gptls connect`).", valueName: "path"))
    var socket: String?

    func run() throws {
        if let socket {
            return print(try status(at: socket).jsonText)
        }
        let path = SharedSocket.defaultPath()
        var answers = SharedSocket.siblings(of: path).compactMap { try? status(at: $0) }
        guard !answers.isEmpty else {
            throw ValidationError("no shared gptls answers on \(path); editors start one with `gptls connect`")
        }
        var first = answers.removeFirst()
        if !answers.isEmpty, case .object(var members) = first {
            members["others"] = .array(answers)
            first = .object(members)
        }
        print(first.jsonText)
    }

    /// The status of the process on `path`, with its socket and version.
    private func status(at path: String) throws -> JSONValue {
        let fd = try connect(path)
        let client = JSONRPCClient(input: fd, output: fd)
        let initialized = try client.request("initialize", params: ["processId": .null, "capabilities": [:],
                                                                    "clientInfo": ["name": "gptls status"]], timeout: 10)
        client.notify("initialized", params: [:])
        let status = try client.request("gptls/status", timeout: 10)
        _ = try? client.request("shutdown", timeout: 10)
        client.notify("exit")
        client.connection.flush()
        guard case .object(var members) = status else { return status }
        members["socket"] = .string(path)
        members["version"] = initialized["serverInfo"]?["version"] ?? .null
        return .object(members)
    }

    private func connect(_ path: String) throws -> Int32 {
        let result = Result { () throws(UnixSocket.SocketError) -> Int32 in try UnixSocket.connect(path) }
        switch result {
        case .success(let fd): return fd
        case .failure(let error) where error.isMissing || error.isStale:
            throw ValidationError("no shared gptls answers on \(path); editors start one with `gptls connect`")
        case .failure(let error): throw error
        }
    }
}
