import XCTest
@testable import LanguageServer

final class CompletionRulesTests: XCTestCase {
    func testAutoIsSingleLineWhenTextFollowsTheCursor() {
        XCTAssertFalse(CompletionRules(mode: .auto, linePrefix: "foo(", lineSuffix: ")").multiLine)
        XCTAssertTrue(CompletionRules(mode: .auto, linePrefix: "def f():", lineSuffix: "  ").multiLine)
    }

    func testSingleLineStopsAtTheFirstLineBreak() {
        let rules = CompletionRules(mode: .singleLine, linePrefix: "x = ", lineSuffix: "")
        let generated = "compute(1)\nprint(x)"
        XCTAssertEqual(rules.cut(generated), generated.firstIndex(of: "\n"))
        XCTAssertEqual(rules.finish(generated), "compute(1)")
    }

    func testMultiLineStopsAtABlankLine() {
        let rules = CompletionRules(mode: .multiLine, linePrefix: "def f():", lineSuffix: "")
        XCTAssertNil(rules.cut("\n    a = 1\n    return a"))
        XCTAssertEqual(rules.finish("\n    a = 1\n    return a\n\ndef g():\n"), "\n    a = 1\n    return a")
    }

    func testMultiLineStopsAtADedentBelowTheCursorLine() {
        let rules = CompletionRules(mode: .multiLine, linePrefix: "    x = ", lineSuffix: "")
        XCTAssertEqual(rules.finish("1\n    y = 2\nz = 3\n"), "1\n    y = 2")
        // The dedent shows before its line is complete.
        XCTAssertNotNil(rules.cut("1\n  z"))
    }

    func testMultiLineStopsAtALineThatRepeatsTheLineBefore() {
        let rules = CompletionRules(mode: .multiLine, linePrefix: "", lineSuffix: "")
        let generated = "    \"\"\"Return the mean.\n    \"\"\"\n    \"\"\"\n    \"\"\"\n"
        XCTAssertEqual(rules.finish(generated), "    \"\"\"Return the mean.\n    \"\"\"")
        // The same line again after a different one is not a loop.
        XCTAssertNil(rules.cut("    x += 1\n    y += 1\n    x += 1\n"))
    }

    func testAPieceRepeatedFourTimesInARowIsCutAfterItsFirstOccurrence() {
        let rules = CompletionRules(mode: .singleLine, linePrefix: "return sum(", lineSuffix: "")
        XCTAssertNil(rules.cut("self, name, name, name"), "three times is not yet a loop")
        XCTAssertEqual(rules.finish("self, name, name, name, name, name,"), "self, name, name,")
        XCTAssertEqual(rules.finish("self, name, name, name, name, "), "self, name, ")
        // A ruler of one repeated character is not a loop.
        XCTAssertNil(rules.cut("// ================================"))
    }

    func testOverlapWithTheTextAfterTheCursorIsStripped() {
        let rules = CompletionRules(mode: .auto, linePrefix: "print(", lineSuffix: "))")
        XCTAssertEqual(rules.finish("value))"), "value")
        XCTAssertEqual(rules.finish("value)"), "value")
        XCTAssertEqual(rules.finish("value"), "value")
    }

    func testWhitespaceOnlyCompletionsAreDropped() {
        let rules = CompletionRules(mode: .singleLine, linePrefix: "x", lineSuffix: "")
        XCTAssertNil(rules.finish("   \nfoo"))
        XCTAssertNil(rules.finish(""))
    }

    func testAMultiLineCompletionEndsWhereItReachesTheDocumentsNextLine() {
        let rules = CompletionRules(mode: .multiLine, linePrefix: "    total = 0", lineSuffix: "",
                                    nextLine: "    return total")
        XCTAssertEqual(rules.finish("\n    for v in values:\n        total += v\n    return total\n"),
                       "\n    for v in values:\n        total += v")
        // Nothing but the next line: nothing to show.
        XCTAssertNil(rules.finish("\n    return total\n"))
    }

    func testACompletionThatTurnsTheCursorsLineIntoTheNextLineIsDropped() {
        let rules = CompletionRules(mode: .singleLine, linePrefix: "    ret", lineSuffix: "", nextLine: "  return x  ")
        XCTAssertNil(rules.finish("urn x"))
        XCTAssertEqual(rules.finish("urn y"), "urn y")
        // A completion on new lines after a line that happens to equal the next one is kept.
        let closing = CompletionRules(mode: .multiLine, linePrefix: "}", lineSuffix: "", nextLine: "}")
        XCTAssertEqual(closing.finish("\nfunc g() {}"), "\nfunc g() {}")
    }

    func testTheBodyOfABlockTheCursorsLineOpensEndsAtItsDedent() {
        let rules = CompletionRules(mode: .multiLine, linePrefix: "def f(values):", lineSuffix: "")
        XCTAssertEqual(rules.finish("\n    total = sum(values)\n    return total\nprint(f([1]))\n"),
                       "\n    total = sum(values)\n    return total")
        // Within the cursor's own block, the cursor's indentation is the block's.
        let inside = CompletionRules(mode: .multiLine, linePrefix: "    x = 1", lineSuffix: "")
        XCTAssertEqual(inside.finish("\n    y = 2\n        z = 3\n    w = 4\nv = 5"),
                       "\n    y = 2\n        z = 3\n    w = 4")
    }

    func testTheNextLineIsTheFirstNonBlankLineAfterTheCursorsLine() {
        let text = Array("x = |rest\n   \n\r\n  return x\nmore\n".utf8)
        XCTAssertEqual(Server.nextLine(after: 4, in: text), "  return x")
        XCTAssertEqual(Server.nextLine(after: text.count - 1, in: text), "")
        XCTAssertEqual(Server.nextLine(after: 0, in: Array("last line".utf8)), "")
    }
}
