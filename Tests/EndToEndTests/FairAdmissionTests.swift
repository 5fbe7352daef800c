import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// Two `gptls connect` editors on one shared process: one flooding requests gets itself refused as busy, never the
/// other.
final class FairAdmissionTests: XCTestCase {
    private var shared: SharedProcess!

    override func setUpWithError() throws { shared = try SharedProcess() }
    override func tearDown() { shared?.tearDown() }

    /// Replies of the flood, counted from the reader thread.
    private final class Tally: @unchecked Sendable {
        let lock = NSLock()
        var busy = 0, answered = 0, other: [String] = []

        func add(_ result: Result<JSONValue, ResponseError>?) {
            lock.lock()
            defer { lock.unlock() }
            answered += 1
            switch result {
            case .success: break
            case .failure(let error) where error.data?["reason"]?.string == "busy": busy += 1
            case .failure(let error): other.append(error.message)
            case nil: other.append("the connection closed")
            }
        }

        var counts: (busy: Int, answered: Int, other: [String]) {
            lock.lock()
            defer { lock.unlock() }
            return (busy, answered, other)
        }
    }

    func testOneEditorFloodingRequestsCannotGetAnotherEditorsKeystrokeRefusedAsBusy() throws {
        let flooder = try shared.editor("flooder")
        // Each flood document ends where the others' chunks end, so the copy mixture would end every flood reply at
        // once (the chunks' line break) and the engine would never fill: the flood decodes with the model alone. Its
        // jobs must also outlive the flood's arrival, which under a sanitizer takes seconds: sampled at the highest
        // temperature (a line rule seldom cuts random tokens), up to 128 tokens each, cut at 10 s rather than 2.
        // Jobs of 48 greedy tokens cut at 2 s left the engine short of its limit in about one run in five.
        flooder.client.notify("workspace/didChangeConfiguration", params: ["settings": [
            "copyWeight": 0, "temperature": 5, "maxTokens": 128, "deadlineMs": 10000,
        ]])
        let typist = try shared.editor("typist")
        let text = "def mean(values):\n    total = "
        SharedProcess.open(typist, uri: "file:///typed.py", text: text)
        // The models are loaded before the flood: the typist's first answer waits for nothing else.
        XCTAssertNotNil(try typist.client.request("textDocument/inlineCompletion", params: SharedProcess.completionParams(
            uri: "file:///typed.py", line: 1, character: 12), timeout: 120)["items"])

        // One request per document (none supersedes another), three times the engine's job limit.
        let count = 192
        for index in 0..<count {
            SharedProcess.open(flooder, uri: "file:///flood\(index).py", text: "# file \(index)\n" + text)
        }
        let tally = Tally()
        for index in 0..<count {
            flooder.client.send("textDocument/inlineCompletion", params: SharedProcess.completionParams(
                uri: "file:///flood\(index).py", line: 2, character: 12)) { tally.add($0) }
        }
        XCTAssertTrue(SharedProcess.waitUntil(120) { tally.counts.busy > 0 }, "the flood never reached the limit")

        // While the flood fills the engine, the typist's keystrokes are admitted.
        for step in 0..<3 {
            let reply = try typist.client.request("textDocument/inlineCompletion", params: SharedProcess.completionParams(
                uri: "file:///typed.py", line: 1, character: 12), timeout: 120)
            XCTAssertNotNil(reply["items"]?.array, "keystroke \(step)")
        }
        XCTAssertTrue(SharedProcess.waitUntil(300) { tally.counts.answered == count }, "the flood was not all answered")
        XCTAssertEqual(tally.counts.other, [], "the flood's other replies are completions or busy")
    }
}
