import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// Messages at the edges of what LSP allows, through `gptls connect`: neither the relay, which keeps the session, nor
/// the shared process may trap on them, before or after a restart.
final class SharedProcessHostileMessageTests: SharedProcessTestCase {
    func testAChangeWithoutAVersionToADocumentAtTheLargestVersionIsNoTrap() throws {
        let editor = try shared.editor("versions")
        let uri = "file:///project/top.py"
        editor.client.notify("textDocument/didOpen", params: [
            "textDocument": ["uri": .string(uri), "languageId": "python", "version": .int(Int.max), "text": "abc"],
        ])
        // LSP requires a version in didChange; an editor that leaves it out gets the next one, or the same at the top.
        editor.client.notify("textDocument/didChange", params: [
            "textDocument": ["uri": .string(uri)], "contentChanges": [["text": "def f():\n    return "]],
        ])
        XCTAssertEqual(try SharedProcess.status(editor)["documents"], 1, "the shared process did not keep the document")
        XCTAssertFalse(editor.standardError.contains("went away"), "the change took the shared process down")

        let pid = try XCTUnwrap(shared.serverPIDs.first)
        kill(pid, SIGKILL)
        XCTAssertTrue(SharedProcess.waitUntil(30) {
            editor.standardError.contains("session is back")
        }, "the relay did not replay the session: \(editor.standardError)")
        XCTAssertEqual(try SharedProcess.status(editor)["documents"], 1, "the replay lost the document")
        let reply = try editor.client.request("textDocument/inlineCompletion",
                                              params: SharedProcess.completionParams(uri: uri, line: 1, character: 11),
                                              timeout: 120)
        XCTAssertNotNil(reply["items"], "no completion in the replayed document")
        XCTAssertTrue(editor.process.isRunning, "the editor's gptls connect exited")
    }
}
