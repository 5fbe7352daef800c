import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// What `gptls connect` does with the editor's messages between the shared process's death and the end of the
/// session's replay to a new one: it holds them within a bound, and a new process that dies before the replay is done
/// is replaced like the first, with every request answered once and the editor's text intact.
///
/// The relays here wait (`replayDelayMs`, a hook for tests only) between connecting to a new process and replaying
/// the session, so that the test acts while the relay holds.
final class SharedProcessReplayTests: XCTestCase {
    private var shared: SharedProcess!
    private let uri = "file:///project/stats.py"
    private let text = "import math\n\ndef mean(values):\n    total = sum(values)\n    return total / len(values)\n\n"
        + "def variance(values):\n    m = mean(values)\n    return "
    private let longText = String(repeating: "The committee met on Tuesday to discuss the budget for the coming year. ",
                                  count: 120)

    override func setUpWithError() throws {
        shared = try SharedProcess()
    }

    override func tearDown() {
        shared?.tearDown()
    }

    func testMessagesHeldPastTheBoundAreAnsweredWithAnErrorToRetryAndNoEditIsLost() throws {
        let editor = try shared.editor("flooding", replayDelayMs: 4000)
        SharedProcess.open(editor, uri: uri, text: text)
        var version = 1
        try killServer(seenBy: editor)

        // While the relay holds: edits (folded into the session), requests beyond the bound, then one within it.
        var current = type("m", into: editor, after: text, version: &version)
        let outcomes = Outcomes()
        // Just under 1 MiB a message: four stay within the bound, the fifth passes it.
        let megabyte = String(repeating: "word ", count: ((1 << 20) - 500) / 5)
        for index in 0..<5 {
            editor.client.send("gptls/summarize", params: ["text": .string(megabyte)]) { outcomes.set("big \(index)", $0) }
        }
        current = type("ath.sq", into: editor, after: current, version: &version)
        editor.client.send("gptls/status") { outcomes.set("status", $0) }

        for index in 0..<5 {
            guard case .failure(let error)?? = outcomes.wait("big \(index)", seconds: 60) else {
                XCTFail("request \(index) beyond the bound got no error: \(String(describing: outcomes.wait("big \(index)", seconds: 0)))")
                continue
            }
            XCTAssertEqual(error.code, .contentModified)
            XCTAssertTrue(error.message.contains("MiB of messages already wait for it; ask again"), error.message)
        }
        guard case .success(let status)?? = outcomes.wait("status") else {
            return XCTFail("the request held within the bound was not answered by the new process: \(editor.standardError)")
        }
        XCTAssertEqual(status["documents"], 1)
        XCTAssertEqual(try complete(editor, at: current)["items"], try freshCompletion(of: current)["items"],
                       "the new process's text differs from the editor's")
        XCTAssertTrue(editor.standardError.contains("the messages held for it passed 4 MiB"), editor.standardError)
        XCTAssertEqual(editor.client.unmatchedResponses, 0, "a request was answered twice")
        XCTAssertTrue(editor.process.isRunning, "the editor's gptls connect exited")
    }

    func testANewProcessKilledBeforeTheReplayIsReplacedAndEveryRequestIsAnsweredOnce() throws {
        let editor = try shared.editor("unlucky twice", replayDelayMs: 3000)
        SharedProcess.open(editor, uri: uri, text: text)
        var version = 1
        var current = type("m", into: editor, after: text, version: &version)
        let outcomes = Outcomes()
        editor.client.send("gptls/summarize", params: ["text": .string(longText)]) { outcomes.set("in flight", $0) }
        XCTAssertEqual(try SharedProcess.status(editor)["pendingRequests"], 1, "the summary is not in flight")
        let first = try XCTUnwrap(shared.serverPIDs.first)
        try killServer(seenBy: editor)

        current = type("ath.sq", into: editor, after: current, version: &version)
        editor.client.send("gptls/status") { outcomes.set("held", $0) }
        // The next process, killed once it listens: the relay has connected to it and waits to replay the session.
        var second: Int32?
        XCTAssertTrue(SharedProcess.waitUntil(30) {
            guard let pid = self.shared.serverPIDs.first(where: { $0 != first }),
                  let fd = try? UnixSocket.connect(self.shared.socket) else { return false }
            close(fd)
            second = pid
            return true
        }, "no new process listened: \(editor.standardError)")
        let killed = try XCTUnwrap(second)
        kill(killed, SIGKILL)
        XCTAssertTrue(SharedProcess.waitUntil(30) {
            editor.standardError.components(separatedBy: "went away").count > 2
        }, "the relay did not notice the second death: \(editor.standardError)")
        XCTAssertEqual(editor.standardError.components(separatedBy: "session is back").count, 1,
                       "the session was replayed to the process killed before its replay")
        current = type("rt(", into: editor, after: current, version: &version)

        guard case .failure(let error)?? = outcomes.wait("in flight") else {
            return XCTFail("the request in flight at the first kill was not answered with an error")
        }
        XCTAssertEqual(error.code, .contentModified)
        guard case .success(let status)?? = outcomes.wait("held") else {
            return XCTFail("the request held through both kills was not answered: \(editor.standardError)")
        }
        XCTAssertEqual(status["documents"], 1)
        XCTAssertEqual(try complete(editor, at: current)["items"], try freshCompletion(of: current)["items"],
                       "the new process's text differs from the editor's")
        XCTAssertFalse(shared.serverPIDs.contains(killed))
        XCTAssertEqual(editor.client.unmatchedResponses, 0, "a request was answered twice")
        XCTAssertTrue(editor.process.isRunning, "the editor's gptls connect exited")
    }

    // MARK: - Helpers

    /// Kills the shared process and waits until `editor`'s relay has seen it go.
    private func killServer(seenBy editor: ServerProcess) throws {
        let pid = try XCTUnwrap(shared.serverPIDs.first, "no shared process runs")
        let seen = editor.standardError.components(separatedBy: "went away").count
        kill(pid, SIGKILL)
        XCTAssertTrue(SharedProcess.waitUntil(30) { !self.shared.serverPIDs.contains(pid) }, "the process did not die")
        XCTAssertTrue(SharedProcess.waitUntil(30) {
            editor.standardError.components(separatedBy: "went away").count > seen
        }, "the relay did not notice: \(editor.standardError)")
    }

    /// Types `typed` at the end of `text`, one incremental change per character, and returns the new text.
    private func type(_ typed: String, into editor: ServerProcess, after text: String, version: inout Int) -> String {
        var current = text
        for character in typed {
            let end = endPosition(current)
            let position: JSONValue = ["line": .int(end.line), "character": .int(end.character)]
            version += 1
            editor.client.notify("textDocument/didChange", params: [
                "textDocument": ["uri": .string(uri), "version": .int(version)],
                "contentChanges": [["range": ["start": position, "end": position], "text": .string(String(character))]],
            ])
            current.append(character)
        }
        return current
    }

    private func endPosition(_ text: String) -> (line: Int, character: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.count - 1, lines.last.map { $0.utf16.count } ?? 0)
    }

    private func complete(_ editor: ServerProcess, at text: String) throws -> JSONValue {
        let end = endPosition(text)
        return try editor.client.request("textDocument/inlineCompletion",
                                         params: SharedProcess.completionParams(uri: uri, line: end.line,
                                                                                character: end.character),
                                         timeout: 120)
    }

    /// The completion a fresh `gptls serve` gives at the end of `text`.
    private func freshCompletion(of text: String) throws -> JSONValue {
        let fresh = try Binary.serve()
        defer { fresh.stop() }
        try SharedProcess.initialize(fresh, name: "fresh")
        SharedProcess.open(fresh, uri: uri, text: text)
        return try complete(fresh, at: text)
    }
}
