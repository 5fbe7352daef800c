import ArgumentParser
import CommandSupport
import Foundation
import Model
import JSON
import ServerClient
import Tokenizer

/// `gptls-tools bench-server`: replays keystroke traces through the real stdio server.
///
/// For each configuration (prefix cache on and off, 1, 4 and 8 clients) a fresh `gptls serve` subprocess is
/// started; each client thread types its own real source file character by character, sending `didChange` and an
/// inline completion per keystroke and cancelling the previous one, as an editor does. With `--memory-minutes` it
/// instead types into many documents for that long and samples the server's resident memory.
struct BenchServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-server",
        abstract: "Replay keystroke traces through the real server: latency, cache reuse, tokens/s, memory.")

    @Option(help: "Model directory, or a .safetensors, .pth or .gguf file.") var model: String
    @Option(help: "The gptls binary to run (default: the gptls beside this executable).") var server: String?
    @Option(help: "Seconds of typing per configuration.") var seconds = 20.0
    @Option(help: "Client counts to run, comma-separated.") var clients = "1,4,8"
    @Option(name: .customLong("char-ms"), help: "Mean milliseconds between keystrokes (each gap drawn within ±25%).")
    var characterMs = 80.0
    @Option(name: .customLong("pause-ms"), help: "Pause after each line break and after some words.")
    var pauseMs = 2500.0
    @Option(name: .customLong("pause-probability"), help: "Chance of a pause after a word (a space after a non-space).")
    var pauseProbability = 0.15
    @Option(name: .customLong("prompt-tokens"), help: "Tokens of each file already present when it opens.")
    var promptTokens = 256
    @Option(name: .customLong("max-tokens"), help: "maxTokens setting of the server while typing.")
    var maxTokens = 48
    @Option(name: .customLong("deadline-ms"), help: "deadlineMs setting of the server while typing.")
    var deadlineMs = 2000
    @Option(name: .customLong("decode-tokens"), help: "maxTokens of the decode-throughput phase.")
    var decodeTokens = 64
    @Option(name: .customLong("kv-cache-mb"), help: "KV cache budget passed to the server (default: the server's, scaled to the models).")
    var kvCacheMB: Int?
    @Option(help: "How the server holds the matrices: f32, bf16 or int8 (default: the server's, bf16).")
    var weights: WeightFormat?
    @Option(help: """
        Directories (comma-separated) whose .py and .swift files are typed, in name order; relative paths start \
        at the current directory (the default is the repository's Sources, run from its root).
        """)
    var sources = "Sources"
    @Option(name: .customLong("memory-minutes"), help: "Memory mode: type for this many minutes over --documents.")
    var memoryMinutes: Double?
    @Option(help: "Memory mode: documents to cycle through.") var documents = 50
    @Option(help: "Which prefix-cache settings to run: both, on or off.") var cache = "both"
    @Option(help: """
        The context setting: on, off, or alternate (on and off in turn, --rounds times each, in one run, so both \
        see the same machine; the ratio of their keystroke latencies is printed). Without it the server's default.
        """)
    var context: ContextChoice?
    @Option(help: "Rounds of each context setting with --context alternate.") var rounds = 3
    @Option(name: .customLong("completion-cache"), help: """
        The completionCache setting: on or off (off sends every keystroke to the model, so latencies measure it). \
        Without it the server's default.
        """)
    var completionCache: Switch?
    @Option(name: .customLong("workspace-documents"), help: """
        Further source files opened whole before typing, as the other files of a workspace (what the context \
        setting chooses chunks from).
        """)
    var workspaceDocuments = 0
    @Flag(name: .customLong("cold-open"),
          help: "Open every typist's document at once and start typing without completing it first (cold prompts).")
    var coldOpen = false
    @Option(help: "Cap the server's SIMD path: portable, avx2, avxvnni, avx512, avx512bf16 (its --simd).") var simd: String?
    @Option(name: .customLong("step-ms"), help: "The server's --step-ms (the time one step of prompt computation aims for; 0: no limit).")
    var stepMs: Double?
    @Flag(help: "Print the results as one JSON object.") var json = false
    @Option(name: .customLong("json-out"), help: "Also write the JSON results to this file.") var jsonOut: String?
    @OptionGroup var threadOptions: ThreadsOption
    @OptionGroup var endpointOptions: EndpointOption

    func run() throws {
        try threadOptions.apply()
        let executable = try ServerExecutable.locate(server)
        let tokenizer = try BPETokenizer.gpt2()
        let files = try sourceFiles()
        let pace = Typist.Pace(characterMs: characterMs, pauseMs: pauseMs, pauseProbability: pauseProbability)
        var options = ReplayRun.Options(server: executable, model: model, kvCacheMB: kvCacheMB,
                                        weights: weights?.rawValue, pace: pace, seconds: seconds, maxTokens: maxTokens,
                                        deadlineMs: deadlineMs, decodeTokens: decodeTokens,
                                        threads: threadOptions.threads, serverArguments: endpointOptions.arguments,
                                        coldOpen: coldOpen)
        options.completionCache = completionCache.map { $0 == .on }
        if let simd { options.serverArguments += ["--simd", simd] }
        if let stepMs { options.serverArguments += ["--step-ms", String(stepMs)] }
        if let memoryMinutes {
            let scripts = try TypingScript.load(files: files, count: documents, promptTokens: promptTokens,
                                                tokenizer: tokenizer)
            var run = MemoryRun(clients: Int(clients.split(separator: ",").last ?? "8") ?? 8)
            try run.run(options, minutes: memoryMinutes, scripts: scripts)
            print(json ? run.json.jsonText : run.report)
            try write(run.json)
            return
        }
        let counts = clients.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let typing = (counts.max() ?? 1) + 1
        let loaded = try TypingScript.load(files: files, count: typing + workspaceDocuments, promptTokens: promptTokens,
                                           tokenizer: tokenizer)
        let scripts = Array(loaded.prefix(typing))
        options.workspace = loaded.dropFirst(typing).map { ($0.uri.replacingOccurrences(of: "/bench/", with: "/bench/workspace/"),
                                                            $0.opening + String($0.typed)) }
        FileHandle.standardError.write(Data(("typing: " + scripts.dropLast().map(\.name).joined(separator: ", ")
            + "; cold document: \(scripts[scripts.count - 1].name)\n").utf8))
        var runs: [ReplayRun] = []
        for prefixCache in [true, false] where cache == "both" || (cache == "on") == prefixCache {
            for count in counts {
                for context in contextSettings {
                    var run = ReplayRun(prefixCache: prefixCache, clients: count, context: context)
                    // The cold document is always the one after the largest client count, so every row's cold
                    // request has the same prompt.
                    try run.run(options, scripts: Array(scripts.prefix(count)) + [scripts[scripts.count - 1]])
                    if !json { FileHandle.standardError.write(Data((ReplayTable.row(run) + "\n").utf8)) }
                    runs.append(run)
                }
            }
        }
        print(json ? ReplayTable.json(runs, options: options).jsonText : ReplayTable.text(runs, options: options))
        try write(ReplayTable.json(runs, options: options))
    }

    /// The context setting of each run of one configuration: with `alternate`, on and off in turn, the order
    /// swapped every round (on off, off on, ...) so a drift in the machine's load weighs on both alike.
    private var contextSettings: [Bool?] {
        switch context {
        case nil: return [nil]
        case .on?: return [true]
        case .off?: return [false]
        case .alternate?: return (0..<max(1, rounds)).flatMap { $0 % 2 == 0 ? [true, false] : [false, true] }
        }
    }

    enum ContextChoice: String, ExpressibleByArgument, CaseIterable {
        case on, off, alternate
    }

    enum Switch: String, ExpressibleByArgument, CaseIterable {
        case on, off
    }

    private func write(_ value: JSONValue) throws {
        guard let jsonOut else { return }
        try Data(value.jsonText.utf8).write(to: URL(fileURLWithPath: jsonOut))
    }

    /// Long-enough .py and .swift files of the `--sources` directories, in a stable order.
    private func sourceFiles() throws -> [URL] {
        try sources.split(separator: ",").flatMap { directory -> [URL] in
            let url = URL(fileURLWithPath: String(directory), isDirectory: true)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue
            else { throw BenchServerError.noSourceFolder(url.path) }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            let found = names.sorted().filter { ($0.hasSuffix(".py") && !$0.hasPrefix("_")) || $0.hasSuffix(".swift") }
                .map { url.appendingPathComponent($0) }
            if !found.isEmpty { return found }
            // A package's Sources: one level of module folders.
            return names.sorted().flatMap { sub -> [URL] in
                let child = url.appendingPathComponent(sub)
                let inner = (try? FileManager.default.contentsOfDirectory(atPath: child.path)) ?? []
                return inner.sorted().filter { $0.hasSuffix(".swift") }.map { child.appendingPathComponent($0) }
            }
        }
    }
}
