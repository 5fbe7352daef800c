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
final class SharedProcessReplayTests: SharedProcessTestCase {
    func testMessagesHeldPastTheBoundAreAnsweredWithAnErrorToRetryAndNoEditIsLost() throws {
        let editor = try shared.editor("flooding", replayDelayMs: 4000)
        SharedProcess.open(editor, uri: uri, text: text)
        var version = 1
        try shared.killServer(seenBy: editor)

        // While the relay holds: edits (folded into the session), requests beyond the bound, then one within it.
        var current = SharedProcess.type("m", into: editor, after: text, version: &version)
        let outcomes = Outcomes()
        // Just under 1 MiB a message: four stay within the bound, the fifth passes it.
        let megabyte = String(repeating: "word ", count: ((1 << 20) - 500) / 5)
        for index in 0..<5 {
            editor.client.send("gptls/summarize", params: ["text": .string(megabyte)]) { outcomes.set("big \(index)", $0) }
        }
        current = SharedProcess.type("ath.sq", into: editor, after: current, version: &version)
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
        XCTAssertEqual(try SharedProcess.complete(editor, at: current)["items"], try SharedProcess.freshCompletion(of: current)["items"],
                       "the new process's text differs from the editor's")
        XCTAssertTrue(editor.standardError.contains("the messages held for it passed 4 MiB"), editor.standardError)
        XCTAssertEqual(editor.client.unmatchedResponses, 0, "a request was answered twice")
        XCTAssertTrue(editor.process.isRunning, "the editor's gptls connect exited")
    }

    func testANewProcessKilledBeforeTheReplayIsReplacedAndEveryRequestIsAnsweredOnce() throws {
        let editor = try shared.editor("unlucky twice", replayDelayMs: 3000)
        SharedProcess.open(editor, uri: uri, text: text)
        var version = 1
        var current = SharedProcess.type("m", into: editor, after: text, version: &version)
        let outcomes = Outcomes()
        editor.client.send("gptls/summarize", params: ["text": .string(longText)]) { outcomes.set("in flight", $0) }
        XCTAssertEqual(try SharedProcess.status(editor)["pendingRequests"], 1, "the summary is not in flight")
        let first = try XCTUnwrap(shared.serverPIDs.first)
        try shared.killServer(seenBy: editor)

        current = SharedProcess.type("ath.sq", into: editor, after: current, version: &version)
        editor.client.send("gptls/status") { outcomes.set("held", $0) }
        // The next process, killed once the relay has connected to it and waits to replay the session (it says so:
        // waiting only for the process to listen raced with the relay's own connection).
        XCTAssertTrue(SharedProcess.waitUntil(30) { editor.standardError.contains("connected again; replaying in") },
                      "the relay did not connect to a new process: \(editor.standardError)")
        let killed = try XCTUnwrap(shared.serverPIDs.first(where: { $0 != first }), "no new process runs")
        kill(killed, SIGKILL)
        XCTAssertTrue(SharedProcess.waitUntil(30) {
            editor.standardError.components(separatedBy: "went away").count > 2
        }, "the relay did not notice the second death: \(editor.standardError)")
        XCTAssertEqual(editor.standardError.components(separatedBy: "session is back").count, 1,
                       "the session was replayed to the process killed before its replay")
        current = SharedProcess.type("rt(", into: editor, after: current, version: &version)

        guard case .failure(let error)?? = outcomes.wait("in flight") else {
            return XCTFail("the request in flight at the first kill was not answered with an error")
        }
        XCTAssertEqual(error.code, .contentModified)
        guard case .success(let status)?? = outcomes.wait("held") else {
            return XCTFail("the request held through both kills was not answered: \(editor.standardError)")
        }
        XCTAssertEqual(status["documents"], 1)
        XCTAssertEqual(try SharedProcess.complete(editor, at: current)["items"], try SharedProcess.freshCompletion(of: current)["items"],
                       "the new process's text differs from the editor's")
        XCTAssertFalse(shared.serverPIDs.contains(killed))
        XCTAssertEqual(editor.client.unmatchedResponses, 0, "a request was answered twice")
        XCTAssertTrue(editor.process.isRunning, "the editor's gptls connect exited")
    }

}
