import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// `gptls connect` editors on one shared `gptls serve --socket`: real processes over a real socket.
final class SharedProcessTests: SharedProcessTestCase {
    private func complete(_ editor: ServerProcess) throws -> JSONValue {
        try editor.client.request("textDocument/inlineCompletion",
                                  params: SharedProcess.completionParams(uri: uri, line: 8, character: 11), timeout: 120)
    }

    func testEditorsStartingAtTheSameMomentShareOneProcess() throws {
        let editors = try (0..<4).map { _ in try shared.connect() }
        for (index, editor) in editors.enumerated() { try SharedProcess.initialize(editor, name: "editor \(index)") }
        XCTAssertEqual(shared.serverPIDs.count, 1, "not one shared process: \(shared.log)")
        let connections = try XCTUnwrap(SharedProcess.status(editors[0])["connections"]?.array)
        XCTAssertEqual(Set(connections.compactMap { $0["clientName"]?.string }),
                       ["editor 0", "editor 1", "editor 2", "editor 3"])
        XCTAssertEqual(connections.filter { $0["current"] == .bool(true) }.count, 1)

        let shell = try Binary.run(["status", "--socket", shared.socket])
        XCTAssertEqual(shell.code, 0, shell.stderr)
        let printed = try JSONValue.parse(shell.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(printed["connections"]?.array?.count, 5, "the four editors and the status command itself")
        XCTAssertGreaterThan(printed["memory"]?["residentBytes"]?.int ?? 0, 0)
    }

    func testDocumentsAndRequestIdsStayWithTheirConnection() throws {
        let first = try shared.editor("first")
        let second = try shared.editor("second")
        SharedProcess.open(first, uri: uri, text: text)
        XCTAssertNotNil(try complete(first)["items"])
        // The second editor never opened the file: its request with the same id is refused for its own session.
        XCTAssertThrowsError(try complete(second)) { error in
            XCTAssertEqual((error as? ResponseError)?.code, .invalidParams, "\(error)")
        }
        XCTAssertEqual(try SharedProcess.status(first)["documents"], 1)
        XCTAssertEqual(try SharedProcess.status(second)["documents"], 0)
    }

    func testACancelOnOneConnectionDoesNotTouchTheSameIdOnAnother() throws {
        let first = try shared.editor("first")
        let second = try shared.editor("second")
        let outcomes = Outcomes()
        let firstID = first.client.send("gptls/summarize", params: ["text": .string(longText)]) { outcomes.set("first", $0) }
        let secondID = second.client.send("gptls/summarize", params: ["text": "A short note about lunch."]) {
            outcomes.set("second", $0)
        }
        XCTAssertEqual(firstID, secondID, "the test needs both connections to use the same request id")
        first.client.notify("$/cancelRequest", params: ["id": firstID.json])
        guard case .failure(let error)?? = outcomes.wait("first") else {
            return XCTFail("the cancelled request was not answered with an error")
        }
        XCTAssertEqual(error.code, .requestCancelled)
        guard case .success(let answer)?? = outcomes.wait("second") else {
            return XCTFail("the other connection's request with the same id did not succeed")
        }
        XCTAssertNotNil(answer["summary"]?.string)
    }

    func testTheSecondEditorReusesThePrefixTheFirstComputed() throws {
        let first = try shared.editor("first")
        let second = try shared.editor("second")
        SharedProcess.open(first, uri: uri, text: text)
        SharedProcess.open(second, uri: uri, text: text)
        let cold = try XCTUnwrap(complete(first)["metrics"])
        let warm = try XCTUnwrap(complete(second)["metrics"])
        XCTAssertGreaterThan(cold["computedTokens"]?.int ?? 0, 10)
        XCTAssertEqual(warm["promptTokens"], cold["promptTokens"])
        XCTAssertGreaterThanOrEqual(warm["reusedTokens"]?.int ?? 0, (cold["promptTokens"]?.int ?? 0) - 16,
                                    "the second editor recomputed the prompt: \(warm.jsonText)")
    }

    func testKillingAnEditorMidRequestLeavesTheOthersServed() throws {
        let doomed = try shared.editor("doomed")
        let survivor = try shared.editor("survivor")
        SharedProcess.open(survivor, uri: uri, text: text)
        doomed.client.send("gptls/summarize", params: ["text": .string(longText)]) { _ in }
        SharedProcess.open(doomed, uri: "file:///doomed.txt", text: "gone soon")
        Thread.sleep(forTimeInterval: 0.3)
        kill(doomed.process.processIdentifier, SIGKILL)
        XCTAssertNotNil(SharedProcess.reap(doomed))
        XCTAssertNotNil(try complete(survivor)["items"])
        let freed = SharedProcess.waitUntil(30) {
            let status = try? SharedProcess.status(survivor)
            return status?["connections"]?.array?.count == 1 && status?["models"]?["activeSequences"] == 0
        }
        XCTAssertTrue(freed, "the dead editor's session or its summary outlived it: \((try? SharedProcess.status(survivor))?.jsonText ?? "")")
    }

    func testTheSharedProcessExitsAfterItsIdleTime() throws {
        let editor = try shared.editor("brief", idleExit: 1)
        let pids = shared.serverPIDs
        XCTAssertEqual(pids.count, 1)
        _ = try editor.client.request("shutdown", timeout: 30)
        editor.client.notify("exit")
        XCTAssertEqual(SharedProcess.reap(editor), 0)
        XCTAssertTrue(SharedProcess.waitUntil(20) { self.shared.serverPIDs.isEmpty }, "still running: \(shared.log)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: shared.socket), "the socket file was left behind")
    }

    func testAnotherUsersConnectionIsRefused() throws {
        guard getuid() == 0 else { throw XCTSkip("running a client as another user needs root (CI runs as root)") }
        for tool in ["/usr/bin/setpriv", "/usr/bin/python3"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is missing: it runs the other user's client")
        }
        let editor = try shared.editor("owner")
        let directory = (shared.socket as NSString).deletingLastPathComponent
        // As another user, through the 0700 directory: the system refuses.
        let blocked = try runAsNobody(socket: shared.socket)
        XCTAssertEqual(blocked.stdout, "refused: PermissionError", blocked.stderr)
        // With the directory and socket opened up by mistake, the server's own check (SO_PEERCRED) still refuses.
        chmod(directory, 0o711)
        chmod(shared.socket, 0o666)
        let checked = try runAsNobody(socket: shared.socket)
        XCTAssertEqual(checked.stdout, "closed without a reply", checked.stderr)
        XCTAssertTrue(shared.log.contains("refused a connection from another user"), shared.log)
        XCTAssertEqual(try SharedProcess.status(editor)["connections"]?.array?.count, 1, "the owner's session was affected")
    }

    /// Connects to `socket` as user 65534 and sends `initialize`; prints what came of it.
    private func runAsNobody(socket: String) throws -> (stdout: String, stderr: String) {
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sys.argv[1])
            except OSError as e:
                print("refused: " + type(e).__name__, end=""); sys.exit(0)
            body = b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"capabilities":{}}}'
            try:
                s.sendall(b"Content-Length: %d\\r\\n\\r\\n" % len(body) + body)
                s.settimeout(20)
                data = s.recv(65536)
            except OSError as e:
                data = b""
            print("answered" if data else "closed without a reply", end="")
            """
        let result = try Binary.run(["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, socket],
                                    executable: URL(fileURLWithPath: "/usr/bin/setpriv"))
        return (result.stdout, result.stderr)
    }

    func testAStaleSocketFileIsReplaced() throws {
        try FileManager.default.createDirectory(atPath: (shared.socket as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // A socket file that nobody listens on, as a killed server leaves behind.
        let fd = try UnixSocket.listen(shared.socket)
        close(fd)
        XCTAssertTrue(FileManager.default.fileExists(atPath: shared.socket))
        let editor = try shared.editor("after a crash")
        XCTAssertEqual(try SharedProcess.status(editor)["connections"]?.array?.count, 1)
    }

    func testSIGTERMFinishesTheRepliesInFlight() throws {
        let editor = try shared.editor("patient")
        let outcomes = Outcomes()
        editor.client.send("gptls/summarize", params: ["text": .string(longText)]) { outcomes.set("summary", $0) }
        XCTAssertEqual(try SharedProcess.status(editor)["pendingRequests"], 1, "the summary is not in flight")
        let pid = try XCTUnwrap(shared.serverPIDs.first)
        kill(pid, SIGTERM)
        let outcome = outcomes.wait("summary")
        guard case .success(let answer)?? = outcome else {
            return XCTFail("the reply in flight was lost: \(String(describing: outcome))\n\(shared.log)")
        }
        XCTAssertNotNil(answer["summary"]?.string)
        // The process exits; the editor's `gptls connect` then starts another for its session.
        XCTAssertTrue(SharedProcess.waitUntil(20) { !self.shared.serverPIDs.contains(pid) })
    }
}

/// Responses that arrive on reader threads, by name.
final class Outcomes: @unchecked Sendable {
    private let condition = NSCondition()
    private var values: [String: Result<JSONValue, ResponseError>?] = [:]

    func set(_ key: String, _ value: Result<JSONValue, ResponseError>?) {
        condition.lock()
        values[key] = .some(value)
        condition.broadcast()
        condition.unlock()
    }

    /// The response (nil inside: the connection closed first); nil when none came within `seconds`.
    func wait(_ key: String, seconds: Double = 120) -> Result<JSONValue, ResponseError>?? {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while values[key] == nil && condition.wait(until: deadline) {}
        return values[key]
    }
}
