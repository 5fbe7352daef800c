import Foundation
import JSON
import Protocol
import ServerClient

/// `gptls demo`'s driver: starts the server as a subprocess and drives it the way an editor would, printing what
/// happens (typing with inline completions, a summary and classifications, with timings).
///
/// Threading: `run` blocks its caller until the server has exited.
public struct DemoDriver {
    /// The `gptls` binary to start.
    public var server: URL
    /// The model it serves (nil: its bundled model).
    public var model: String?
    /// More arguments of `gptls serve`.
    public var serverArguments: [String]

    /// `server` nil means this process's own executable: the demo runs inside `gptls`.
    public init(server: URL? = nil, model: String?, serverArguments: [String] = []) {
        self.server = server ?? ServerExecutable.running
        self.model = model
        self.serverArguments = serverArguments
    }

    /// Runs the demo to its end and shuts the server down; throws when the server fails or a request times out.
    public func run() throws {
        let server = try ServerProcess(executable: self.server, arguments: ["serve", "--log-level", "warning"]
                                       + (model.map { ["--model", $0] } ?? []) + serverArguments)
        defer { server.stop() }
        let client = server.client
        let uri = "file:///demo/stats.py"
        _ = try client.request(InitializeRequest.method, params: ["processId": .int(Int(getpid())), "capabilities": [:]], timeout: 60)
        client.notify(InitializedNotification.method, params: [:])
        print("gptls demo: the server runs as a subprocess; this process is its editor.\n")

        // Typing: the user writes the sample file one character at a time; at a few points the editor asks for
        // ghost text, the way a plugin does after a pause in typing.
        let sample = DemoSample.code
        client.notify(DidOpenTextDocumentNotification.method, params: ["textDocument": [
            "uri": .string(uri), "languageId": "python", "version": 1, "text": "",
        ]])
        print("== Typing \(sample.split(separator: "\n").count) lines, asking for inline completions on the way")
        var typed = ""
        var version = 1
        var cursor = TypingCursor(after: "")
        let pausePoints = Set(DemoSample.pauses.compactMap { sample.range(of: $0).map { sample.distance(from: sample.startIndex, to: $0.upperBound) } })
        for (index, char) in sample.enumerated() {
            version += 1
            client.notify(DidChangeTextDocumentNotification.method, params: [
                "textDocument": ["uri": .string(uri), "version": .int(version)],
                "contentChanges": [[
                    "range": ["start": ["line": .int(cursor.line), "character": .int(cursor.character)],
                              "end": ["line": .int(cursor.line), "character": .int(cursor.character)]],
                    "text": .string(String(char)),
                ]],
            ])
            typed.append(char)
            cursor.advance(over: char)
            guard pausePoints.contains(index + 1) else { continue }
            let started = Date()
            let result = try client.request(InlineCompletionRequest.method, params: [
                "textDocument": ["uri": .string(uri)],
                "position": ["line": .int(cursor.line), "character": .int(cursor.character)],
                "context": ["triggerKind": 2],
            ], timeout: 60)
            let elapsed = Date().timeIntervalSince(started) * 1000
            let ghost = result["items"]?[0]?["insertText"]?.string ?? "(nothing)"
            let metrics = result["metrics"]
            // The line being typed, or the one just finished when the cursor is at the start of a new line.
            let lines = typed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let context = lines.last?.isEmpty == true && lines.count > 1 ? lines[lines.count - 2] + "\n" : lines.last ?? ""
            print("  after \(quoted(context))")
            print("    ghost text: \(quoted(ghost))")
            print("    \(metrics?["promptTokens"]?.int ?? 0) prompt tokens: \(metrics?["reusedTokens"]?.int ?? 0) from cache, "
                  + "\(metrics?["computedTokens"]?.int ?? 0) computed; first token \(format(metrics?["firstTokenMs"]?.double)) ms, "
                  + "round trip \(format(elapsed)) ms")
        }

        print("\n== Summarize the function `mean`")
        let function = DemoSample.summarized
        let summaryStart = Date()
        let summary = try client.request(SummarizeRequest.method, params: ["text": .string(function)], timeout: 120)
        print("  \(quoted(summary["summary"]?.string ?? ""))  (\(format(Date().timeIntervalSince(summaryStart) * 1000)) ms)")

        print("\n== Classify snippets")
        for snippet in DemoSample.snippets {
            let started = Date()
            let result = try client.request(ClassifyRequest.method, params: ["text": .string(snippet)], timeout: 120)
            let scores = result["scores"]?.array?.prefix(3).map {
                "\($0["label"]?.string ?? "?") \(format(($0["probability"]?.double ?? 0) * 100))%"
            } ?? []
            print("  \(quoted(String(snippet.prefix(40))))… -> \(result["label"]?.string ?? "?")   [\(scores.joined(separator: ", "))]"
                  + "  (\(format(Date().timeIntervalSince(started) * 1000)) ms)")
        }

        let status = try client.request(StatusRequest.method, timeout: 30)
        if let cache = status["models"]?["caches"]?[0] {
            print("\n== Cache: \(cache["blocksHeld"]?.int ?? 0) blocks held, hit rate \(format((cache["hitRate"]?.double ?? 0) * 100))%")
        }
        _ = try client.request(ShutdownRequest.method, timeout: 30)
        client.notify(ExitNotification.method)
        server.waitForExit()
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    private func format(_ value: Double?) -> String {
        String(format: "%.1f", value ?? 0)
    }
}
