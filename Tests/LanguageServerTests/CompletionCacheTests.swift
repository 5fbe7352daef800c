import XCTest
import Protocol
@testable import LanguageServer

final class CompletionCacheTests: XCTestCase {
    private let uri = "file:///a.swift"

    /// A document and a cache that follows its edits, as the server keeps them.
    private struct Editor {
        var document: TextDocument
        var cache: CompletionCache

        init(_ text: String, capacity: Int = 64) {
            document = TextDocument(uri: "file:///a.swift", languageID: "swift", version: 1, text: text)
            cache = CompletionCache(capacity: capacity)
        }

        var length: Int { document.bytes.count }

        /// Byte offset of the first occurrence of `marker`, which is then removed from the text.
        static func split(_ text: String) -> (String, Int) {
            let range = text.range(of: "|")!
            return (text.replacingCharacters(in: range, with: ""), text.utf8.distance(from: text.startIndex,
                                                                                      to: range.lowerBound))
        }

        /// Replaces `range` (byte offsets, on one line) with `text`, as a client's incremental change.
        mutating func replace(_ range: Swift.Range<Int>, with text: String) {
            let start = document.position(of: range.lowerBound, encoding: .utf8)
            let end = document.position(of: range.upperBound, encoding: .utf8)
            let before = length
            let edits = try! document.apply([TextDocumentContentChangeEvent(range: Protocol.Range(start: start, end: end),
                                                                             text: text)],
                                            version: document.version + 1, encoding: .utf8)
            cache.edited(uri: document.uri, edits, lengthBefore: before)
        }

        mutating func type(_ text: String, at offset: Int) { replace(offset..<offset, with: text) }

        /// Makes a suggestion at `offset`, as the server does for a request that went to the model.
        mutating func suggest(_ suggestion: String, at offset: Int) {
            let ticket = cache.reserve(uri: document.uri, documentLength: length, anchor: offset, cursor: offset)
            cache.fill(ticket, suggestion: suggestion)
        }

        mutating func lookup(at offset: Int) -> String? {
            cache.lookup(uri: document.uri, bytes: document.bytes, cursor: offset)?.text
        }
    }

    func testTypingPredictedCharactersFindsTheRestOfTheSuggestion() {
        let (text, cursor) = Editor.split("let total = |\nprint(total)\n")
        var editor = Editor(text)
        editor.suggest("values.reduce(0, +)", at: cursor)
        editor.type("val", at: cursor)
        XCTAssertEqual(editor.lookup(at: cursor + 3), "ues.reduce(0, +)")
        editor.type("u", at: cursor + 3)
        XCTAssertEqual(editor.lookup(at: cursor + 4), "es.reduce(0, +)")
    }

    func testARequestAtTheSuggestionsOwnCursorGetsTheWholeSuggestion() {
        let (text, cursor) = Editor.split("f(|)")
        var editor = Editor(text)
        editor.suggest("x", at: cursor)
        XCTAssertEqual(editor.lookup(at: cursor), "x")
    }

    func testADivergentCharacterMissesAndDeletingItFindsTheEntryAgain() {
        let (text, cursor) = Editor.split("let total = |\n")
        var editor = Editor(text)
        editor.suggest("values.count", at: cursor)
        editor.type("vx", at: cursor)
        XCTAssertNil(editor.lookup(at: cursor + 2))
        editor.replace((cursor + 1)..<(cursor + 2), with: "")
        XCTAssertEqual(editor.lookup(at: cursor + 1), "alues.count")
    }

    func testARequestAtAnotherPlaceMisses() {
        let (text, cursor) = Editor.split("let a = |\nlet b = \n")
        var editor = Editor(text)
        editor.suggest("1", at: cursor)
        XCTAssertNil(editor.lookup(at: editor.length))
        XCTAssertNil(editor.cache.lookup(uri: "file:///other.swift", bytes: editor.document.bytes, cursor: cursor))
    }

    func testTypingTheWholeSuggestionNeedsAFreshCompletion() {
        let (text, cursor) = Editor.split("x = |\n")
        var editor = Editor(text)
        editor.suggest("42", at: cursor)
        editor.type("42", at: cursor)
        XCTAssertNil(editor.lookup(at: cursor + 2))
    }

    func testWalksBackAtMost128TypedCharacters() {
        let (text, cursor) = Editor.split("s = \"|\"\n")
        let suggestion = String(repeating: "é", count: 100) + String(repeating: "a", count: 100)
        var editor = Editor(text)
        editor.suggest(suggestion, at: cursor)
        // 128 characters, 228 bytes: characters are counted, not bytes.
        let typed = String(suggestion.prefix(128))
        editor.type(typed, at: cursor)
        XCTAssertEqual(editor.lookup(at: cursor + typed.utf8.count), String(suggestion.dropFirst(128)))
        editor.type("a", at: cursor + typed.utf8.count)
        XCTAssertNil(editor.lookup(at: cursor + typed.utf8.count + 1))
    }

    func testTheEntryNearestTheCursorWins() {
        let (text, cursor) = Editor.split("x = |\n")
        var editor = Editor(text)
        editor.suggest("alpha + beta", at: cursor)
        editor.type("alpha", at: cursor)
        editor.suggest(" - gamma", at: cursor + 5)
        editor.type(" ", at: cursor + 5)
        XCTAssertEqual(editor.lookup(at: cursor + 6), "- gamma")
    }

    func testTheLeastRecentlyUsedEntryIsEvictedFirst() {
        let (text, cursor) = Editor.split("a|\n")
        var editor = Editor(text, capacity: 2)
        editor.suggest("one", at: cursor)
        editor.suggest("two", at: cursor + 1)
        XCTAssertEqual(editor.lookup(at: cursor), "one")  // now the most recently used
        editor.suggest("three", at: 0)
        XCTAssertEqual(editor.cache.count, 2)
        XCTAssertEqual(editor.lookup(at: cursor), "one")
        XCTAssertNil(editor.lookup(at: cursor + 1))
        XCTAssertEqual(editor.lookup(at: 0), "three")
    }

    func testAnEditBeforeTheAnchorDropsTheEntry() {
        let (text, cursor) = Editor.split("let a = 1\nlet b = |\n")
        var editor = Editor(text)
        editor.suggest("a + 1", at: cursor)
        editor.type("0", at: 8)
        XCTAssertEqual(editor.cache.count, 0)
        editor.replace(8..<9, with: "")
        XCTAssertNil(editor.lookup(at: cursor), "an impossible entry does not come back with the old text")
    }

    func testAnEditInTheTextAfterTheCursorDropsTheEntry() {
        let (text, cursor) = Editor.split("let b = |\nprint(b)\n")
        var editor = Editor(text)
        editor.suggest("2", at: cursor)
        editor.type("!", at: editor.length - 2)
        XCTAssertEqual(editor.cache.count, 0)
    }

    func testTypingMoreThanTheSuggestionPredictsDropsIt() {
        let (text, cursor) = Editor.split("n = |\n")
        var editor = Editor(text)
        editor.suggest("10", at: cursor)
        editor.type("100", at: cursor)
        XCTAssertEqual(editor.cache.count, 0)
    }

    func testEditsOfAnotherDocumentLeaveTheEntries() {
        let (text, cursor) = Editor.split("n = |\n")
        var editor = Editor(text)
        editor.suggest("10", at: cursor)
        editor.cache.edited(uri: "file:///other.swift", [TextDocument.Edit(range: 0..<0, insertedCount: 5)],
                            lengthBefore: 10)
        XCTAssertEqual(editor.lookup(at: cursor), "10")
        editor.cache.forget(uri: uri)
        XCTAssertEqual(editor.cache.count, 0)
    }

    func testEditsMadeWhileTheModelWorksAreFollowed() {
        let (text, cursor) = Editor.split("x = |\n")
        var editor = Editor(text)
        let ticket = editor.cache.reserve(uri: uri, documentLength: editor.length, anchor: cursor, cursor: cursor)
        editor.type("ab", at: cursor)
        editor.cache.fill(ticket, suggestion: "abc")
        XCTAssertEqual(editor.lookup(at: cursor + 2), "c")
    }

    func testAnEntryComputedAheadAnswersOnlyOnceItsAcceptedTextIsTyped() {
        let (text, cursor) = Editor.split("x = |\n")
        var editor = Editor(text)
        let ticket = editor.cache.reserve(uri: uri, documentLength: editor.length, anchor: cursor, cursor: cursor,
                                          typedAhead: Array("foo(".utf8), ahead: true)
        editor.cache.fill(ticket, suggestion: "bar)")
        XCTAssertNil(editor.lookup(at: cursor))
        editor.type("fo", at: cursor)
        XCTAssertNil(editor.lookup(at: cursor + 2))
        editor.type("o(", at: cursor + 2)
        XCTAssertEqual(editor.lookup(at: cursor + 4), "bar)")
        XCTAssertTrue(editor.cache.contains(uri: uri, anchor: cursor, suffixLength: 1, typedAhead: Array("foo(".utf8)))
    }

    func testAWholeTextChangeThatTypesACharacterKeepsTheEntry() throws {
        let (text, cursor) = Editor.split("x = |\n")
        var editor = Editor(text)
        editor.suggest("abc", at: cursor)
        let before = editor.length
        let edits = try editor.document.apply([TextDocumentContentChangeEvent(range: nil, text: "x = a\n")],
                                              version: 2, encoding: .utf16)
        XCTAssertEqual(edits, [TextDocument.Edit(range: cursor..<cursor, insertedCount: 1)])
        editor.cache.edited(uri: uri, edits, lengthBefore: before)
        XCTAssertEqual(editor.lookup(at: cursor + 1), "bc")
    }

    func testNothingToShowKeepsNoEntry() {
        var editor = Editor("x")
        let ticket = editor.cache.reserve(uri: uri, documentLength: 1, anchor: 1, cursor: 1)
        XCTAssertNil(editor.cache.fill(ticket, suggestion: nil))
        XCTAssertEqual(editor.cache.count, 0)
    }

    func testAnEntryComputedAheadWithNothingToShowSaysSoAtItsCursorOnly() {
        let (text, cursor) = Editor.split("x = |\n")
        var editor = Editor(text)
        let ticket = editor.cache.reserve(uri: uri, documentLength: editor.length, anchor: cursor, cursor: cursor,
                                          typedAhead: Array("42".utf8), ahead: true)
        XCTAssertNotNil(editor.cache.fill(ticket, suggestion: nil))
        XCTAssertNil(editor.lookup(at: cursor))
        editor.type("42", at: cursor)
        XCTAssertEqual(editor.lookup(at: cursor + 2), "", "the model has nothing to add after 42")
        editor.type("3", at: cursor + 2)
        XCTAssertEqual(editor.cache.count, 0, "typing past it makes it impossible")
    }
}
