import Foundation
import JSON
import JSONRPC

/// One configuration of the keystroke replay (cache on or off, N typing clients) against its own server, and what
/// it measured.
///
/// Threading: `run` blocks its caller; each typist and each decode request runs on a thread of its own.
struct ReplayRun {
    struct Options {
        /// The `gptls` binary.
        var server: URL
        var model: String
        var kvCacheMB: Int?
        var weights: String?
        var pace: Typist.Pace
        var seconds: Double
        var maxTokens: Int
        var deadlineMs: Int
        var decodeTokens: Int
        /// `--threads` of the server, when given.
        var threads: Int? = nil
        /// Further arguments of the server (`--endpoint ...`).
        var serverArguments: [String] = []
        /// Typing starts on documents just opened, none completed yet: each typist's first keystrokes are cold
        /// prompts that compete with the others' keystrokes.
        var coldOpen = false
        /// The completionCache setting; nil leaves the server's default.
        var completionCache: Bool? = nil
        /// Documents (URI, whole text) opened before typing: the rest of the workspace.
        var workspace: [(uri: String, text: String)] = []
    }

    var prefixCache: Bool
    var clients: Int
    /// The context setting; nil leaves the server's default.
    var context: Bool?
    // Results.
    var cold: CompletionSample?
    var keystrokes = 0
    var samples: [CompletionSample] = []
    var cancelled = 0
    var superseded = 0
    var failures: [String] = []
    var typingSeconds = 0.0
    var counters = ReplayServer.Counters()
    /// Decode phase: every client asks for `decodeTokens` at once, nothing cancelled.
    var decodeTokens = 0
    var decodeSeconds = 0.0
    var maxRSS = 0
    var highWaterMark = 0

    /// Prompt tokens the engine computed per keystroke, counting the requests cancelled or superseded.
    var computedPerKeystroke: Double { keystrokes == 0 ? 0 : Double(counters.promptTokensComputed) / Double(keystrokes) }
    /// Generated tokens per second over the typing phase, all clients together (cancelled requests' tokens count).
    var replayTokensPerSecond: Double { typingSeconds == 0 ? 0 : Double(counters.tokensGenerated) / typingSeconds }
    var decodeTokensPerSecond: Double { decodeSeconds == 0 ? 0 : Double(decodeTokens) / decodeSeconds }

    init(prefixCache: Bool, clients: Int, context: Bool? = nil) {
        self.prefixCache = prefixCache
        self.clients = clients
        self.context = context
    }

    /// Runs this configuration: warm-up (loads the model), the cold request, typing, then the decode phase.
    /// `scripts` needs `clients + 1` entries (the last is the cold document).
    mutating func run(_ options: Options, scripts: [TypingScript]) throws {
        var settings = JSONObject([("maxTokens", .int(options.maxTokens)), ("deadlineMs", .int(options.deadlineMs))])
        if let context { settings["context"] = .bool(context) }
        if let completionCache = options.completionCache { settings["completionCache"] = .bool(completionCache) }
        let server = try ReplayServer(executable: options.server, model: options.model, prefixCache: prefixCache,
                                      kvCacheMB: options.kvCacheMB, weights: options.weights, threads: options.threads,
                                      extraArguments: options.serverArguments, settings: .object(settings))
        defer { server.shutdown() }
        let memory = ServerMemory(pid: server.pid)
        memory.start(interval: 0.25)
        defer {
            memory.stop()
        }

        // Warm-up: the first request loads the model and touches its weights.
        server.open(uri: "file:///bench/warmup.py", text: "import os\n")
        _ = try server.complete(uri: "file:///bench/warmup.py", endOf: "import os\n")

        for document in options.workspace { server.open(uri: document.uri, text: document.text) }

        // The cold request: a ~256-token prompt nothing has seen.
        let coldScript = scripts[clients]
        server.open(uri: coldScript.uri, text: coldScript.opening)
        cold = try server.complete(uri: coldScript.uri, endOf: coldScript.opening)

        // Each typist's document is opened and completed once (an editor opening a file), so typing starts from
        // a cached prompt and the per-keystroke figures are not dominated by one cold prefill per document.
        let group = DispatchGroup()
        for index in 0..<clients {
            server.open(uri: scripts[index].uri, text: scripts[index].opening)
            if options.coldOpen { continue }
            group.enter()
            Thread {
                _ = try? server.complete(uri: scripts[index].uri, endOf: scripts[index].opening)
                group.leave()
            }.start()
        }
        group.wait()

        // Typing.
        let before = try server.counters()
        let recorder = ReplayRecorder()
        let start = DispatchTime.now().uptimeNanoseconds
        let end = start + UInt64(options.seconds * 1e9)
        let typists = (0..<clients).map { index in
            Typist(client: server.client, scripts: [scripts[index]], pace: options.pace, recorder: recorder)
        }
        Typist.typeConcurrently(typists, until: end)
        if !recorder.waitForAnswers(seconds: 60) { failures.append("some requests got no answer within 60 s") }
        typingSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        counters = try server.counters() - before
        keystrokes = recorder.keystrokes
        samples = recorder.samples
        cancelled = recorder.cancelled
        superseded = recorder.superseded
        failures += recorder.failures

        // Decode throughput: all clients at once, long generations, nothing cancelled.
        server.configure(["maxTokens": .int(options.decodeTokens), "deadlineMs": 60000])
        let decodeStart = DispatchTime.now().uptimeNanoseconds
        let generated = Counter()
        // Threads, not concurrentPerform: that would run only as many at once as there are cores.
        for index in 0..<clients {
            let uri = "file:///bench/decode/\(index).py"
            let text = scripts[index].opening
            server.open(uri: uri, text: text)
            group.enter()
            Thread {
                let sample = try? server.complete(uri: uri, endOf: text)
                generated.add(sample?.generatedTokens ?? 0)
                group.leave()
            }.start()
        }
        group.wait()
        decodeSeconds = Double(DispatchTime.now().uptimeNanoseconds - decodeStart) / 1e9
        decodeTokens = generated.value

        maxRSS = memory.maxRSS
        highWaterMark = memory.maxHighWaterMark
    }
}
