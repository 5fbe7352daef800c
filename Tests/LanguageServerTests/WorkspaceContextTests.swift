import JSON
import JSONRPC
import Protocol
import Tasks
import XCTest
@testable import LanguageServer

/// Which pieces of the workspace a completion shows the model: similar chunks of other open documents and recent
/// edits, near-duplicates and text in the prompt's own window left out, in an order that holds across keystrokes.
final class WorkspaceContextTests: XCTestCase {
    private func document(_ uri: String, _ text: String, version: Int = 1) -> TextDocument {
        TextDocument(uri: uri, languageID: "python", version: version, text: text)
    }

    /// Lines of code about `topic`, one distinct line each (by default fewer than a chunk's).
    private func code(_ topic: String, lines: Int = 12) -> String {
        (0..<lines).map { "def \(topic)_\($0)(\(topic)_value): return \(topic)_value + \($0)\n" }.joined()
    }

    func testTheChunkOfAnotherOpenDocumentThatSharesTheCursorsWordsIsChosenAndUnrelatedOnesAreNot() {
        let current = document("file:///w/main.py", "total = parse_tokens(parse_value)\n")
        let related = document("file:///w/parse.py", code("parse"))
        let unrelated = document("file:///w/colour.py", code("colour"))
        let documents = [current.uri: current, related.uri: related, unrelated.uri: unrelated]
        var context = WorkspaceContext()
        let chunks = context.chunks(for: current, line: 0, documents: documents, characters: 10_000)
        XCTAssertEqual(chunks, [ContextChunk(name: "parse.py", text: related.text)])
    }

    func testTheBudgetKeepsTheMostSimilarChunksAndTheyGoOutInDocumentOrder() {
        let current = document("file:///w/main.py", "alpha beta gamma\n")
        let close = document("file:///w/b.py", "alpha beta gamma\nalpha beta\n")
        let far = document("file:///w/a.py", "alpha delta epsilon zeta eta\n")
        let documents = [current.uri: current, close.uri: close, far.uri: far]
        var context = WorkspaceContext()
        XCTAssertEqual(context.chunks(for: current, line: 0, documents: documents, characters: 40).map(\.name),
                       ["b.py"], "only the most similar fits")
        var roomy = WorkspaceContext()
        let both = roomy.chunks(for: current, line: 0, documents: documents, characters: 1000)
        XCTAssertEqual(both.map(\.name), ["a.py", "b.py"],
                       "the order is by URI, not by score, so it holds when scores change")
        XCTAssertEqual(both.map(\.rank), [1, 0], "each says where it stands by score")
    }

    func testNearDuplicatesAreSentOnce() {
        let current = document("file:///w/main.py", code("shared", lines: 3))
        let one = document("file:///w/a.py", code("shared"))
        let copy = document("file:///w/b.py", code("shared"))
        var context = WorkspaceContext()
        let chunks = context.chunks(for: current, line: 0, documents: [current.uri: current, one.uri: one,
                                                                       copy.uri: copy], characters: 10_000)
        XCTAssertEqual(chunks.map(\.name), ["a.py"])
    }

    func testAnEditElsewhereKeepsTheChunkAroundThePlaceLeftButNotWhenItIsInsideThePromptsWindow() {
        let lines = (0..<400).map { $0 == 10 ? "def render_widget(widget): widget.draw()\n" : "pass_\($0) = \($0)\n" }
        let current = document("file:///w/main.py", lines.joined())
        var context = WorkspaceContext()
        let documents = [current.uri: current]
        context.edited(current.uri, line: 10, documents: documents)
        context.edited(current.uri, line: 390, documents: documents)
        XCTAssertEqual(context.edits.count, 1, "leaving line 10 keeps the chunk around it")
        XCTAssertEqual(context.edits.first?.lines, 2..<18)
        let near = context.chunks(for: current, line: 40, documents: documents, characters: 10_000)
        XCTAssertEqual(near, [], "lines the prompt's window holds are not sent again")
        var fresh = context
        let far = fresh.chunks(for: current, line: 399, documents: documents, characters: 10_000)
        XCTAssertEqual(far, [], "the kept chunk shares no word with the cursor's lines")
        let asking = document("file:///w/main.py", lines.joined() + "render_widget(widget)\n")
        var choosing = context
        let chosen = choosing.chunks(for: asking, line: 400, documents: [asking.uri: asking], characters: 10_000)
        XCTAssertEqual(chosen.map(\.name), ["main.py"])
        XCTAssertTrue(chosen.first?.text.contains("def render_widget(widget)") == true)
    }

    func testTheRingKeepsSixteenChunksAndASimilarNewChunkReplacesTheOld() {
        let text = (0..<2000).map { "value_\($0 / 64)_\($0 % 7) = \($0)\n" }.joined()
        let current = document("file:///w/main.py", text)
        let documents = [current.uri: current]
        var context = WorkspaceContext()
        for place in 0..<20 { context.edited(current.uri, line: place * 96 + 32, documents: documents) }
        XCTAssertEqual(context.edits.count, WorkspaceContext.ringCapacity)
        XCTAssertEqual(context.edits.first?.lines, 312..<328, "the oldest places were dropped")
        // Back to a kept place, one line lower, then away: the chunk around it nearly repeats the kept one.
        context.edited(current.uri, line: 993, documents: documents)
        XCTAssertEqual(context.edits.first?.lines, 408..<424)
        context.edited(current.uri, line: 0, documents: documents)
        XCTAssertEqual(context.edits.count, WorkspaceContext.ringCapacity)
        XCTAssertEqual(context.edits.first?.lines, 408..<424, "the similar chunk was replaced, not the oldest")
        XCTAssertEqual(context.edits.last?.lines, 985..<1001)
        XCTAssertFalse(context.edits.contains { $0.lines == 984..<1000 })
    }

    /// The place of the last edit may be past the document's end once text after it is deleted: leaving it keeps
    /// nothing and does not trap (a fuzzer's input once ended the process here).
    func testAPlaceLeftThatNoLongerExistsIsSkipped() {
        var context = WorkspaceContext()
        let long = document("file:///w/main.py", code("shared", lines: 200))
        context.edited(long.uri, line: 150, documents: [long.uri: long])
        let short = document("file:///w/main.py", code("shared", lines: 3), version: 2)
        context.edited(short.uri, line: 0, documents: [short.uri: short])
        XCTAssertTrue(context.edits.isEmpty)
    }

    func testClosingADocumentForgetsItsChunks() {
        let other = document("file:///w/a.py", code("shared"))
        let current = document("file:///w/main.py", code("shared", lines: 3))
        var context = WorkspaceContext()
        context.edited(other.uri, line: 5, documents: [other.uri: other])
        context.edited(current.uri, line: 0, documents: [other.uri: other, current.uri: current])
        XCTAssertEqual(context.edits.count, 1)
        context.closed(other.uri)
        XCTAssertTrue(context.edits.isEmpty)
        XCTAssertEqual(context.chunks(for: current, line: 0, documents: [current.uri: current], characters: 10_000), [])
    }

    func testTheChoiceHoldsWhileTheCursorStaysInItsBand() {
        let current = document("file:///w/main.py", "alpha beta\n")
        let a = document("file:///w/a.py", "alpha beta gamma\n")
        var context = WorkspaceContext()
        let first = context.chunks(for: current, line: 0, documents: [current.uri: current, a.uri: a],
                                   characters: 1000)
        // The user types a word that would now match another chunk better; within the band the block holds.
        let typed = document("file:///w/main.py", "alpha beta\nomega\n", version: 2)
        let b = document("file:///w/b.py", "omega\n")
        let documents = [typed.uri: typed, a.uri: a]
        XCTAssertEqual(context.chunks(for: typed, line: 1, documents: documents, characters: 1000), first)
        XCTAssertNotEqual(context.chunks(for: typed, line: 1, documents: [typed.uri: typed, a.uri: a, b.uri: b],
                                         characters: 1000), first, "another document opened: chosen again")
    }

    func testACompletionCarriesTheSuffixContextAndCopyWeightAndTheSettingsTurnThemOff() throws {
        let backend = ScriptedBackend()
        let harness = ServerHarness(loader: { _ in backend })
        _ = try harness.initialize(["completionMode": "single-line"])
        harness.open("file:///w/util.py", "def scale(values, factor):\n    return [v * factor for v in values]\n")
        harness.open("file:///a.py", "def f(values):\n    return \nprint(f([1]))\n")
        _ = try harness.result(of: harness.inlineCompletion("file:///a.py", line: 1, character: 11))
        let task = try XCTUnwrap(backend.read { $0.completions.last })
        XCTAssertEqual(task.suffix, "\nprint(f([1]))\n")
        XCTAssertEqual(task.context.map(\.name), ["util.py"])
        XCTAssertEqual(task.contextTokens, 1024)
        XCTAssertEqual(task.copyWeight, 0.4)
        harness.notify("workspace/didChangeConfiguration", ["settings": ["context": false, "copyWeight": 0]])
        _ = try harness.result(of: harness.inlineCompletion("file:///a.py", line: 1, character: 11))
        let off = try XCTUnwrap(backend.read { $0.completions.last })
        XCTAssertEqual(off.context, [])
        XCTAssertEqual(off.contextTokens, 0)
        XCTAssertEqual(off.copyWeight, 0)
    }
}
