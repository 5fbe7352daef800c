import Foundation
import JSON
import JSONRPC
import Protocol
import ServerClient

/// One simulated user typing into documents the way an editor reports it: each character is a `didChange`, followed
/// at once by a `textDocument/inlineCompletion` that is not waited for; the previous request, if still unanswered,
/// is cancelled with `$/cancelRequest` first (as VS Code does when the next keystroke comes).
///
/// With several scripts the typist switches to the next document at each line end (memory mode: many documents).
/// Threading: `run` blocks its (own) thread; answers arrive on the client's reader thread into `recorder`.
final class Typist {
    struct Pace {
        /// Mean milliseconds between characters; each gap is drawn uniformly within ±25%.
        var characterMs: Double
        /// A pause after each line break, and after a space that ends a word with `pauseProbability`.
        var pauseMs: Double
        var pauseProbability: Double
    }

    private let client: JSONRPCClient
    private let recorder: ReplayRecorder
    private let pace: Pace
    private var scripts: [TypingScript]
    private var typedCount: [Int]
    private var cursors: [TypingCursor]
    private var versions: [Int]
    private var opened: [Bool]
    private var current = 0
    private var generator: SystemRandomNumberGenerator = .init()

    init(client: JSONRPCClient, scripts: [TypingScript], pace: Pace, recorder: ReplayRecorder) {
        self.client = client
        self.scripts = scripts
        self.pace = pace
        self.recorder = recorder
        typedCount = Array(repeating: 0, count: scripts.count)
        cursors = scripts.map { TypingCursor(after: $0.opening) }
        versions = Array(repeating: 1, count: scripts.count)
        opened = Array(repeating: false, count: scripts.count)
    }

    /// Opens the current document if needed (the editor opens a file: no request yet).
    private func openIfNeeded(_ index: Int) {
        guard !opened[index] else { return }
        opened[index] = true
        client.notify(DidOpenTextDocumentNotification.method, params: ["textDocument": [
            "uri": .string(scripts[index].uri), "languageId": "python", "version": 1,
            "text": .string(scripts[index].opening),
        ]])
    }

    /// Runs each typist on a thread of its own until `end` (uptime nanoseconds) and returns when all have stopped.
    static func typeConcurrently(_ typists: [Typist], until end: UInt64) {
        let group = DispatchGroup()
        for typist in typists {
            group.enter()
            Thread {
                typist.run(until: end)
                group.leave()
            }.start()
        }
        group.wait()
    }

    /// Types until `end` (uptime nanoseconds), then waits for nothing: the caller waits for the last answers.
    func run(until end: UInt64) {
        var previous: (ticket: Int, id: RequestID)?
        var next = DispatchTime.now().uptimeNanoseconds
        openIfNeeded(current)
        while true {
            let index = current
            let script = scripts[index]
            if typedCount[index] >= script.typed.count {  // the file is typed out: start it again under a new URI
                typedCount[index] = 0
                scripts[index] = TypingScript(uri: script.uri + "+", name: script.name, opening: script.opening,
                                              typed: script.typed)
                cursors[index] = TypingCursor(after: script.opening)
                opened[index] = false
                openIfNeeded(index)
                continue
            }
            let char = script.typed[typedCount[index]]
            next += UInt64(pace.characterMs * Double.random(in: 0.75...1.25, using: &generator) * 1e6)
            guard next < end else { break }
            sleep(until: next)

            if let previous, recorder.isPending(previous.ticket) {
                client.notify(CancelRequestNotification.method, params: ["id": previous.id.json])
            }
            let at = cursors[index]
            versions[index] += 1
            client.notify(DidChangeTextDocumentNotification.method, params: [
                "textDocument": ["uri": .string(scripts[index].uri), "version": .int(versions[index])],
                "contentChanges": [[
                    "range": ["start": ["line": .int(at.line), "character": .int(at.character)],
                              "end": ["line": .int(at.line), "character": .int(at.character)]],
                    "text": .string(String(char)),
                ]],
            ])
            recorder.keystroke()
            typedCount[index] += 1
            cursors[index].advance(over: char)
            let cursor = cursors[index]
            let started = DispatchTime.now().uptimeNanoseconds
            let recorder = recorder
            let ticket = recorder.ticket()
            let id = client.send(InlineCompletionRequest.method, params: [
                "textDocument": ["uri": .string(scripts[index].uri)],
                "position": ["line": .int(cursor.line), "character": .int(cursor.character)],
                "context": ["triggerKind": 2],
            ]) { result in
                recorder.answered(ticket, result, started: started)
            }
            previous = (ticket, id)

            let endsLine = char == "\n"
            let endsWord = char == " " && typedCount[index] >= 2 && script.typed[typedCount[index] - 2] != " "
            if endsLine || (endsWord && Double.random(in: 0..<1, using: &generator) < pace.pauseProbability) {
                next += UInt64(pace.pauseMs * 1e6)
            }
            if endsLine && scripts.count > 1 {
                current = (current + 1) % scripts.count
                openIfNeeded(current)
            }
        }
    }

    private func sleep(until uptime: UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        if uptime > now { usleep(useconds_t((uptime - now) / 1000)) }
    }
}
