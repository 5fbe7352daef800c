import Foundation
import FuzzSupport
import ModelFiles
import JSON
import JSONRPC
import LanguageServer
import LocalBackend
import Logging
import Tasks

// The request handlers: an in-process session on a tiny random model, fed a sequence of messages that the input
// spells (`SessionScript`): initialize, open, change, complete, summarize, classify, cancel, configuration, ...
// with mutated params, in any order. Every request must get exactly one reply, and the session must keep serving.
let scratch = ScratchDirectory("handlers")
let modelPath = scratch.url.appendingPathComponent("tiny").path
do {
    try RandomModel.write(config: RandomModel.tiny, seed: 5, to: URL(fileURLWithPath: modelPath))
} catch {
    Fuzzer.fail("cannot write the tiny model: \(error)")
}

/// GPTLS_FUZZ_TRACE=1 prints every message both ways, to read what an input does (run the target on that file).
let trace = ProcessInfo.processInfo.environment["GPTLS_FUZZ_TRACE"] == "1"

var quiet = Logger(label: "gptls.fuzz")
quiet.logLevel = .critical

/// Every configuration a session selects runs the tiny model on one thread with a small cache, whatever model,
/// endpoint or budget the fuzzed settings name: the handlers are under test, not the file system or the network.
let load: BackendLoader = { configuration in
    var configuration = configuration
    for kind in TaskKind.allCases { configuration.models[kind] = modelPath }
    configuration.endpoint = nil
    configuration.threads = 1
    configuration.cacheBudgetMB = min(configuration.cacheBudgetMB ?? 8, 8)
    return try ModelLoader.backend(configuration)
}
do {
    try load(BackendConfiguration()).shutdown()
} catch {
    Fuzzer.fail("the tiny model does not load: \(error)")
}
let pool = BackendPool(logger: quiet, loader: load)
// Kept loaded for the whole run, as a shared process keeps its models, so each input does not load it again.
pool.startPreload(Settings(), keep: true)

Fuzzer.run { data in
    var input = FuzzInput(data)
    var script = SessionScript()
    let transcript = Transcript()
    let server = Server(models: BackendProvider(pool: pool, logger: quiet), sessions: SessionRegistry(), logger: quiet,
                        send: { transcript.record($0) }, onTermination: { _ in })
    var requests: [RequestID] = []
    var messages = script.opening(&input)
    while !input.isAtEnd, requests.count < 24 {
        let message = messages.isEmpty ? script.next(&input) : messages.removeFirst()
        if case .request(let id, _, _) = message { requests.append(id) }
        if trace { print("-> \(message.json.jsonText)") }
        server.receive(message)
        if message.method == "exit" { break }
    }
    let deadline = Date().addingTimeInterval(60)
    while true {
        server.waitUntilIdle()
        let missing = requests.filter { transcript.replies(to: $0) == 0 }
        if missing.isEmpty { break }
        guard Date() < deadline else { Fuzzer.fail("no reply within 60 s to \(missing)") }
        Thread.sleep(forTimeInterval: 0.002)
    }
    server.inputClosed()
    server.waitUntilIdle()
    for id in requests where transcript.replies(to: id) != 1 {
        Fuzzer.fail("request \(id) got \(transcript.replies(to: id)) replies")
    }
}
