import Foundation
import JSON
import JSONRPC
import Protocol
import ServerClient

/// A `gptls serve` subprocess for one benchmark configuration, initialised the way an editor does.
///
/// Threading: `client` may be used from several threads at once; the other methods are called from one thread.
final class ReplayServer {
    /// Engine counters from `gptls/status`.
    struct Counters {
        var promptTokensComputed = 0
        var promptTokensReused = 0
        var tokensGenerated = 0
        var steps = 0
        var evictions = 0

        static func - (a: Counters, b: Counters) -> Counters {
            Counters(promptTokensComputed: a.promptTokensComputed - b.promptTokensComputed,
                     promptTokensReused: a.promptTokensReused - b.promptTokensReused,
                     tokensGenerated: a.tokensGenerated - b.tokensGenerated, steps: a.steps - b.steps,
                     evictions: a.evictions - b.evictions)
        }
    }

    let process: ServerProcess
    var client: JSONRPCClient { process.client }
    var pid: Int32 { process.process.processIdentifier }

    init(executable: URL, model: String, prefixCache: Bool, kvCacheMB: Int?, weights: String?, threads: Int? = nil,
         extraArguments: [String] = [], settings: JSONValue) throws {
        var arguments = ["serve", "--model", model, "--log-level", "error"] + extraArguments
        if let threads { arguments += ["--threads", String(threads)] }
        if !prefixCache { arguments.append("--no-prefix-cache") }
        if let kvCacheMB { arguments += ["--kv-cache-mb", String(kvCacheMB)] }
        if let weights { arguments += ["--weights", weights] }
        process = try ServerProcess(executable: executable, arguments: arguments)
        _ = try client.request(InitializeRequest.method, params: [
            "processId": .int(Int(getpid())), "capabilities": [:], "initializationOptions": settings,
        ], timeout: 60)
        client.notify(InitializedNotification.method, params: [:])
    }

    func configure(_ settings: JSONValue) {
        client.notify(DidChangeConfigurationNotification.method, params: ["settings": ["gptls": settings]])
    }

    func open(uri: String, text: String) {
        client.notify(DidOpenTextDocumentNotification.method, params: ["textDocument": [
            "uri": .string(uri), "languageId": "python", "version": 1, "text": .string(text),
        ]])
    }

    /// One inline completion at the end of an open document, waited for.
    func complete(uri: String, endOf text: String, timeout: Double = 300) throws -> CompletionSample {
        let cursor = TypingCursor(after: text)
        let started = DispatchTime.now().uptimeNanoseconds
        let result = try client.request(InlineCompletionRequest.method, params: [
            "textDocument": ["uri": .string(uri)],
            "position": ["line": .int(cursor.line), "character": .int(cursor.character)],
            "context": ["triggerKind": 1],
        ], timeout: timeout)
        return CompletionSample(metrics: result["metrics"],
                                roundTripMs: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
    }

    func counters() throws -> Counters {
        let status = try client.request(StatusRequest.method, timeout: 60)
        let models = status["models"]
        return Counters(promptTokensComputed: models?["promptTokensComputed"]?.int ?? 0,
                        promptTokensReused: models?["promptTokensReused"]?.int ?? 0,
                        tokensGenerated: models?["tokensGenerated"]?.int ?? 0, steps: models?["steps"]?.int ?? 0,
                        evictions: models?["caches"]?.array?.reduce(0) { $0 + ($1["evictions"]?.int ?? 0) } ?? 0)
    }

    /// The KV budget the server's models share, from `gptls/status` (nil when it reports none).
    func cacheBudgetBytes() throws -> Int? {
        try client.request(StatusRequest.method, timeout: 60)["models"]?["cacheBudgetBytes"]?.int
    }

    /// Bytes of KV cache the server's models hold resident, from `gptls/status` (nil when it reports no caches).
    func cacheResidentBytes() throws -> Int? {
        let caches = try client.request(StatusRequest.method, timeout: 60)["models"]?["caches"]?.array
        return caches?.reduce(0) { $0 + ($1["bytesResident"]?.int ?? 0) }
    }

    /// `shutdown`, `exit`, and the exit code.
    func shutdown() {
        _ = try? client.request(ShutdownRequest.method, timeout: 30)
        client.notify(ExitNotification.method)
        client.connection.flush()  // the queued "exit" must be written before stdin closes
        process.closeInput()
        process.waitForExit()
    }
}
