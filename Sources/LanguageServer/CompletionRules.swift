import Tasks

/// How much an inline completion may span.
public enum CompletionMode: String, Sendable, CaseIterable {
    case singleLine = "single-line"
    case multiLine = "multi-line"
    /// Single-line when text follows the cursor on its line, multi-line otherwise.
    case auto
}

/// The text-level stop rules of one inline completion: where generated text ends and what is shown.
///
/// Built from the text around the cursor; `cut(_:)` is asked after every generated token, `finish(_:)` once at the end.
/// Single-line or multi-line is decided by the mode, and in `auto` by the position: single-line when text follows the
/// cursor on its line. Multi-line completions end at a blank line, at a line that repeats the line before it, at a
/// line that repeats the document's next line (the completion has reached code that is already there), and where
/// the block ends: at a line indented less than the block, which is the cursor's line, or the completion's first new
/// line when that is indented deeper (the cursor's line opened a block and the completion is its body). Any
/// completion ends when the model loops: a short piece of text four times in a row is cut after its first
/// occurrence (small models fall into such loops, and a ghost text of `name, name, name, ...` helps nobody).
/// Overlap with the text after the cursor is stripped, so completing `foo(|)` with `x)` shows `x`, not `x))`; a
/// completion that is only whitespace, or whose line is the document's next line again, is not shown.
public struct CompletionRules: Sendable, Equatable {
    public let multiLine: Bool
    /// Leading whitespace of the cursor's line, in columns (a tab counts as one).
    public let indentation: Int
    /// The rest of the cursor's line after the cursor.
    public let textAfterCursor: String
    /// The cursor's line before the cursor.
    public let textBeforeCursor: String
    /// The first line after the cursor's line that is not blank, without its surrounding whitespace; empty if none.
    public let nextLine: String

    public init(mode: CompletionMode, linePrefix: String, lineSuffix: String, nextLine: String = "") {
        let followed = !lineSuffix.allSatisfy(\.isWhitespace)
        switch mode {
        case .singleLine: multiLine = false
        case .multiLine: multiLine = true
        case .auto: multiLine = !followed
        }
        indentation = linePrefix.prefix { $0 == " " || $0 == "\t" }.count
        textAfterCursor = lineSuffix
        textBeforeCursor = linePrefix
        self.nextLine = nextLine.trimmingWhitespace
    }

    /// Where the generated text must be cut, or nil to keep generating.
    public func cut(_ generated: String) -> String.Index? {
        [lineCut(generated), TextLoop.start(in: generated)].compactMap { $0 }.min()
    }

    /// The cut made by the line rules: the first line break in single-line mode; a blank, dedented or repeated line,
    /// or the document's next line, in multi-line mode.
    private func lineCut(_ generated: String) -> String.Index? {
        guard let firstBreak = generated.firstIndex(where: \.isNewline) else { return nil }
        if !multiLine {
            // A completion that starts on the next line is not single-line text for this one.
            return firstBreak
        }
        // Examine each complete line after the cursor's line.
        var previous = generated[..<firstBreak]
        var lineStart = generated.index(after: firstBreak)
        var block = indentation
        var firstNewLine = true
        while let lineEnd = generated[lineStart...].firstIndex(where: \.isNewline) {
            let line = generated[lineStart..<lineEnd]
            if line.allSatisfy(\.isWhitespace) || line == previous { return lineStart }
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            if indent < block { return lineStart }
            if !nextLine.isEmpty && line.trimmingWhitespace == nextLine { return lineStart }
            if firstNewLine { block = max(block, indent) }
            firstNewLine = false
            previous = line
            lineStart = generated.index(after: lineEnd)
        }
        // A partial last line that already shows a dedent ends the block too.
        let partial = generated[lineStart...]
        if let first = partial.firstIndex(where: { $0 != " " && $0 != "\t" }),
           partial.distance(from: partial.startIndex, to: first) < block {
            return lineStart
        }
        return nil
    }

    /// The text to show: cut by the rules, trailing line breaks dropped, overlap with the text after the cursor
    /// removed; nil when nothing but whitespace is left.
    public func finish(_ generated: String) -> String? {
        var text = generated
        if let end = cut(text) { text = String(text[..<end]) }
        while let last = text.last, last.isNewline { text.removeLast() }
        if !textAfterCursor.isEmpty {
            let overlap = longestSuffixOverlap(text, textAfterCursor)
            text.removeLast(overlap)
        }
        if text.allSatisfy(\.isWhitespace) { return nil }
        // The cursor's line completed into the line that follows it: that code is already there.
        let firstLine = text.prefix { !$0.isNewline }
        if !nextLine.isEmpty && !firstLine.isEmpty && (textBeforeCursor + firstLine + textAfterCursor).trimmingWhitespace == nextLine {
            return nil
        }
        return text
    }

    /// Length of the longest suffix of `text` that is a prefix of `following`.
    private func longestSuffixOverlap(_ text: String, _ following: String) -> Int {
        let a = Array(text), b = Array(following)
        var length = min(a.count, b.count)
        while length > 0 {
            if a[(a.count - length)...].elementsEqual(b[..<length]) { return length }
            length -= 1
        }
        return 0
    }
}

extension StringProtocol {
    /// Without the spaces, tabs and line breaks at both ends.
    var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
