import Foundation
import JSON
import ServerClient
import XCTest

/// What the recovery tests do as an editor would, around a shared process that dies: type into a document, ask for
/// a completion at its end, compare with a fresh server, and kill the shared process once its editor has seen it go.
extension SharedProcess {
    static let sampleURI = "file:///project/stats.py"
    static let sampleText = "import math\n\ndef mean(values):\n    total = sum(values)\n    return total / len(values)\n\n"
        + "def variance(values):\n    m = mean(values)\n    return "
    /// Long enough that summarizing it takes many engine steps: a request that is surely still running.
    static let longText = String(repeating: "The committee met on Tuesday to discuss the budget for the coming year. ",
                                 count: 120)

    /// Types `typed` at the end of the document `uri` whose text is `text` (one incremental change per character,
    /// in UTF-16 positions as the editor counts them) and returns the new text.
    static func type(_ typed: String, into editor: ServerProcess, uri: String = sampleURI, after text: String,
                     version: inout Int) -> String {
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

    static func endPosition(_ text: String) -> (line: Int, character: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.count - 1, lines.last.map { $0.utf16.count } ?? 0)
    }

    /// The inline completion at the end of `text`, the document `uri`'s text.
    static func complete(_ editor: ServerProcess, uri: String = sampleURI, at text: String) throws -> JSONValue {
        let end = endPosition(text)
        return try editor.client.request("textDocument/inlineCompletion",
                                         params: completionParams(uri: uri, line: end.line, character: end.character),
                                         timeout: 120)
    }

    /// The completion a fresh `gptls serve` gives at the end of `text`.
    static func freshCompletion(uri: String = sampleURI, of text: String) throws -> JSONValue {
        let fresh = try Binary.serve()
        defer { fresh.stop() }
        try initialize(fresh, name: "fresh")
        open(fresh, uri: uri, text: text)
        return try complete(fresh, uri: uri, at: text)
    }

    /// Kills the shared process and waits until `editor`'s relay has seen it go (so that what the test sends next is
    /// not in flight at the crash).
    func killServer(_ signal: Int32 = SIGKILL, seenBy editor: ServerProcess,
                    file: StaticString = #filePath, line: UInt = #line) throws {
        let pid = try XCTUnwrap(serverPIDs.first, "no shared process runs", file: file, line: line)
        let seen = editor.standardError.components(separatedBy: "went away").count
        kill(pid, signal)
        XCTAssertTrue(Self.waitUntil(30) { !self.serverPIDs.contains(pid) }, "the process did not die",
                      file: file, line: line)
        XCTAssertTrue(Self.waitUntil(30) {
            editor.standardError.components(separatedBy: "went away").count > seen
        }, "the relay did not notice: \(editor.standardError)", file: file, line: line)
    }
}
