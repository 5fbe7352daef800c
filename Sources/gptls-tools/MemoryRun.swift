import Foundation
import JSON

/// Memory mode of `gptls-tools bench-server`: `clients` typists share many documents (each switches to its next
/// document at every line end) for a number of minutes, while the server's resident memory is sampled. It should stay
/// under model file + KV cache budget (the one total the server reports) + 100 MB.
///
/// Threading: `run` blocks its caller; each typist runs on a thread of its own.
struct MemoryRun {
    var clients: Int
    var minutes = 0.0
    var documents = 0
    var keystrokes = 0
    var samples: [CompletionSample] = []
    var cancelled = 0
    var superseded = 0
    var failures: [String] = []
    var modelBytes = 0
    var budgetBytes = 0
    /// KV cache resident when the typing ended. Blocks discarded earlier are not in it, so max RSS less the model file
    /// and this is at most what the rest of the process held.
    var cacheResidentBytes = 0
    var maxRSS = 0
    var highWaterMark = 0
    var rssAfterLoad = 0
    var afterLoad: ServerMemory.Reading?
    var peak: ServerMemory.Reading?

    var limitBytes: Int { modelBytes + budgetBytes + 100 << 20 }

    init(clients: Int) { self.clients = clients }

    mutating func run(_ options: ReplayRun.Options, minutes: Double, scripts: [TypingScript]) throws {
        self.minutes = minutes
        documents = scripts.count
        modelBytes = Self.fileBytes(options.model)
        let server = try ReplayServer(executable: options.server, model: options.model, prefixCache: true,
                                      kvCacheMB: options.kvCacheMB, weights: options.weights, threads: options.threads,
                                      extraArguments: options.serverArguments, settings: ["maxTokens": .int(options.maxTokens),
                                                 "deadlineMs": .int(options.deadlineMs)])
        defer { server.shutdown() }
        let memory = ServerMemory(pid: server.pid)
        memory.start(interval: 1)
        defer { memory.stop() }
        server.open(uri: "file:///bench/warmup.py", text: "import os\n")
        _ = try server.complete(uri: "file:///bench/warmup.py", endOf: "import os\n")
        // A server that does not report its budget is one with 256 MiB per model unless told otherwise.
        budgetBytes = try server.cacheBudgetBytes() ?? (options.kvCacheMB ?? 256) << 20
        afterLoad = ServerMemory.read(pid: server.pid)
        rssAfterLoad = afterLoad?.rss ?? 0

        let recorder = ReplayRecorder()
        let end = DispatchTime.now().uptimeNanoseconds + UInt64(minutes * 60e9)
        // Client c types documents c, c + clients, c + 2 clients, ...
        let typists = (0..<clients).map { client in
            stride(from: client, to: scripts.count, by: clients).map { scripts[$0] }
        }.filter { !$0.isEmpty }.map { own in
            Typist(client: server.client, scripts: own, pace: options.pace, recorder: recorder)
        }
        Typist.typeConcurrently(typists, until: end)
        if !recorder.waitForAnswers(seconds: 60) { failures.append("some requests got no answer within 60 s") }
        keystrokes = recorder.keystrokes
        samples = recorder.samples
        cancelled = recorder.cancelled
        superseded = recorder.superseded
        failures += recorder.failures
        if let last = ServerMemory.read(pid: server.pid) { highWaterMark = last.highWaterMark }
        cacheResidentBytes = try server.cacheResidentBytes() ?? 0
        maxRSS = max(memory.maxRSS, 0)
        peak = memory.peak
        highWaterMark = max(highWaterMark, memory.maxHighWaterMark)
    }

    /// Size of a weights file, or of the weight files in a model directory.
    static func fileBytes(_ path: String) -> Int {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { return 0 }
        if !isDirectory.boolValue { return (try? manager.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        let names = (try? manager.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".bin") || $0.hasSuffix(".pth") }
            .reduce(0) { $0 + ((try? manager.attributesOfItem(atPath: path + "/" + $1)[.size] as? Int) ?? 0) }
    }

    private func mb(_ bytes: Int) -> String { String(format: "%.0f MB", Double(bytes) / 1048576) }

    var report: String {
        let first = Percentiles(samples.map(\.firstTokenMs))
        return """
            Memory run: \(String(format: "%.1f", minutes)) min, \(clients) clients typing over \(documents) documents
            keystrokes \(keystrokes), answered \(samples.count), cancelled \(cancelled), superseded \(superseded), \
            failures \(failures.count)\(failures.isEmpty ? "" : " (" + ReplayTable.kinds(failures).map { "\($0.1) x \($0.0)" }.joined(separator: "; ") + ")")
            first token p50 \(ReplayTable.ms(first.p50)) ms, p95 \(ReplayTable.ms(first.p95)) ms
            RSS after model load \(mb(rssAfterLoad)) (anonymous \(mb(afterLoad?.anonymous ?? 0)), file \(mb(afterLoad?.file ?? 0))); \
            max sampled RSS \(mb(maxRSS)) (anonymous \(mb(peak?.anonymous ?? 0)), file \(mb(peak?.file ?? 0))); \
            VmHWM \(mb(highWaterMark))
            limit = model file \(mb(modelBytes)) + cache budget \(mb(budgetBytes)) + 100 MB = \(mb(limitBytes)): \
            \(max(maxRSS, highWaterMark) <= limitBytes ? "within" : "EXCEEDED")
            KV cache resident \(mb(cacheResidentBytes)); max RSS beyond the model file and that cache \
            \(mb(maxRSS - modelBytes - cacheResidentBytes))
            """
    }

    var json: JSONValue {
        let first = Percentiles(samples.map(\.firstTokenMs))
        return [
            "minutes": .number(minutes), "clients": .int(clients), "documents": .int(documents),
            "keystrokes": .int(keystrokes), "answered": .int(samples.count), "cancelled": .int(cancelled),
            "superseded": .int(superseded), "failures": .int(failures.count),
            "failureKinds": .object(JSONObject(ReplayTable.kinds(failures).map { ($0.0, JSONValue.int($0.1)) })),
            "firstTokenP50Ms": first.p50.map(JSONValue.number) ?? .null,
            "firstTokenP95Ms": first.p95.map(JSONValue.number) ?? .null,
            "rssAfterLoadBytes": .int(rssAfterLoad), "anonymousAfterLoadBytes": .int(afterLoad?.anonymous ?? 0),
            "fileAfterLoadBytes": .int(afterLoad?.file ?? 0), "peakAnonymousBytes": .int(peak?.anonymous ?? 0),
            "peakFileBytes": .int(peak?.file ?? 0), "maxRSSBytes": .int(maxRSS), "maxHWMBytes": .int(highWaterMark),
            "modelBytes": .int(modelBytes), "budgetBytes": .int(budgetBytes), "limitBytes": .int(limitBytes),
            "cacheResidentBytes": .int(cacheResidentBytes),
            "withinLimit": .bool(max(maxRSS, highWaterMark) <= limitBytes),
        ]
    }
}
