import Foundation
import JSON

/// The keystroke replay's results as a text table (with the cache-on / cache-off ratios) or as JSON.
enum ReplayTable {
    static let header = "cache ctx clients  keys  done cancel supersede fail | 1st p50  1st p95 | e2e p50  e2e p95 | "
        + "rtt p50 | computed/key computed/done | replay tok/s decode tok/s | cold 1st | max RSS"

    static func ms(_ value: Double?) -> String { value.map { String(format: "%7.1f", $0) } ?? "      -" }

    static func row(_ run: ReplayRun) -> String {
        let first = Percentiles(run.samples.map(\.firstTokenMs))
        let total = Percentiles(run.samples.map(\.totalMs))
        let trip = Percentiles(run.samples.map(\.roundTripMs))
        let computedDone = Percentiles(run.samples.map { Double($0.computedTokens) }).mean
        let context = run.context.map { $0 ? "on" : "off" } ?? "-"
        return String(format: "%-5@ %-3@ %7d %5d %5d %6d %9d %4d | ", run.prefixCache ? "on" : "off", context, run.clients,
                      run.keystrokes, run.samples.count, run.cancelled, run.superseded, run.failures.count)
            + "\(ms(first.p50))  \(ms(first.p95)) | \(ms(total.p50))  \(ms(total.p95)) | \(ms(trip.p50)) | "
            + String(format: "%12.1f %13@ | %12.1f %12.1f | ", run.computedPerKeystroke,
                     computedDone.map { String(format: "%.1f", $0) } ?? "-",
                     run.replayTokensPerSecond, run.decodeTokensPerSecond)
            + "\(ms(run.cold?.firstTokenMs)) | " + String(format: "%5.0f MB", Double(run.maxRSS) / 1048576)
    }

    static func text(_ runs: [ReplayRun], options: ReplayRun.Options) -> String {
        var lines = [
            "Keystroke replay: \(options.seconds) s of typing per row, \(options.pace.characterMs) ms/char ±25%, "
                + "\(options.pace.pauseMs) ms pause after each line and \(Int(options.pace.pauseProbability * 100))% "
                + "of words; maxTokens \(options.maxTokens), deadlineMs \(options.deadlineMs); "
                + "decode phase maxTokens \(options.decodeTokens).",
            "Latencies in ms from the server's metrics over answered requests (e2e = totalMs; rtt = client round "
                + "trip; a request that got no token before its deadline counts with totalMs as its first-token time). "
                + "computed/key = prompt tokens computed per keystroke, cancelled requests included.",
            "",
            header,
        ]
        lines += runs.map(row)
        lines.append("")
        for run in runs where !run.failures.isEmpty {
            lines.append("failures (cache \(run.prefixCache ? "on" : "off"), \(run.clients) clients): "
                         + kinds(run.failures).map { "\($0.1) x \($0.0)" }.joined(separator: "; "))
        }
        lines += ratios(runs).map { "\($0.name): \(String(format: "%.2f", $0.value))" }
        return lines.joined(separator: "\n")
    }

    /// Cache on vs off (first token, computed tokens per keystroke) and 8 vs 1 clients (decode tokens/s).
    static func ratios(_ runs: [ReplayRun]) -> [(name: String, value: Double)] {
        var result: [(String, Double)] = []
        func find(_ cache: Bool, _ clients: Int) -> ReplayRun? {
            runs.first { $0.prefixCache == cache && $0.clients == clients }
        }
        for clients in Set(runs.map(\.clients)).sorted() {
            guard let on = find(true, clients), let off = find(false, clients) else { continue }
            if let a = Percentiles(off.samples.map(\.firstTokenMs)).p50,
               let b = Percentiles(on.samples.map(\.firstTokenMs)).p50, b > 0 {
                result.append(("first-token p50 speed-up, cache on vs off, \(clients) clients", a / b))
            }
            if on.computedPerKeystroke > 0 {
                result.append(("computed tokens per keystroke, off / on, \(clients) clients",
                               off.computedPerKeystroke / on.computedPerKeystroke))
            }
        }
        result += contextRatios(runs)
        let low = runs.map(\.clients).min() ?? 1, high = runs.map(\.clients).max() ?? 1
        for cache in [true, false] where low != high {
            if let one = find(cache, low), let many = find(cache, high), one.decodeTokensPerSecond > 0 {
                result.append(("decode tokens/s, \(high) clients / \(low), cache \(cache ? "on" : "off")",
                               many.decodeTokensPerSecond / one.decodeTokensPerSecond))
            }
            if let one = find(cache, low), let many = find(cache, high), one.replayTokensPerSecond > 0 {
                result.append(("replay tokens/s, \(high) clients / \(low), cache \(cache ? "on" : "off")",
                               many.replayTokensPerSecond / one.replayTokensPerSecond))
            }
        }
        return result
    }

    /// Context on vs off at each prefix-cache setting and client count: keystroke round-trip and server (e2e) p50
    /// over the answered keystrokes of every round of each, pooled.
    static func contextRatios(_ runs: [ReplayRun]) -> [(name: String, value: Double)] {
        var result: [(String, Double)] = []
        for cache in [true, false] {
            for clients in Set(runs.map(\.clients)).sorted() {
                func pooled(_ context: Bool) -> [CompletionSample] {
                    runs.filter { $0.prefixCache == cache && $0.clients == clients && $0.context == context }
                        .flatMap(\.samples)
                }
                let on = pooled(true), off = pooled(false)
                guard !on.isEmpty, !off.isEmpty else { continue }
                let where_ = "\(clients) clients, prefix cache \(cache ? "on" : "off")"
                for (name, value) in [("round-trip", \CompletionSample.roundTripMs), ("e2e", \CompletionSample.totalMs)] {
                    if let a = Percentiles(on.map { $0[keyPath: value] }).p50,
                       let b = Percentiles(off.map { $0[keyPath: value] }).p50, b > 0 {
                        result.append(("keystroke \(name) p50, context on / off, \(where_)", a / b))
                    }
                }
            }
        }
        return result
    }

    /// Distinct failure messages with their counts, most frequent first.
    static func kinds(_ failures: [String]) -> [(String, Int)] {
        Dictionary(failures.map { ($0, 1) }, uniquingKeysWith: +).sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
    }

    static func json(_ run: ReplayRun) -> JSONValue {
        func stats(_ values: [Double]) -> JSONValue {
            let p = Percentiles(values)
            return ["count": .int(p.count), "p50": p.p50.map(JSONValue.number) ?? .null,
                    "p95": p.p95.map(JSONValue.number) ?? .null, "mean": p.mean.map(JSONValue.number) ?? .null]
        }
        return [
            "prefixCache": .bool(run.prefixCache), "context": run.context.map(JSONValue.bool) ?? .null,
            "clients": .int(run.clients), "keystrokes": .int(run.keystrokes),
            "answered": .int(run.samples.count), "cancelled": .int(run.cancelled),
            "superseded": .int(run.superseded), "failures": .int(run.failures.count),
            "failureKinds": .object(JSONObject(ReplayTable.kinds(run.failures).map { ($0.0, JSONValue.int($0.1)) })),
            "firstTokenMs": stats(run.samples.map(\.firstTokenMs)), "totalMs": stats(run.samples.map(\.totalMs)),
            "roundTripMs": stats(run.samples.map(\.roundTripMs)), "queuedMs": stats(run.samples.map(\.queuedMs)),
            "answeredWithoutToken": .int(run.samples.filter(\.noTokenBeforeDeadline).count),
            // Keystrokes on a cached prompt (at most one block not in the cache): what waits behind others' cold
            // prefill, apart from the requests that are cold themselves.
            "warmFirstTokenMs": stats(run.samples.filter { $0.promptTokens - $0.reusedTokens <= 16 }
                .map(\.firstTokenMs)),
            "computedTokensAnswered": stats(run.samples.map { Double($0.computedTokens) }),
            "promptTokensAnswered": stats(run.samples.map { Double($0.promptTokens) }),
            "computedTokensPerKeystroke": .number(run.computedPerKeystroke),
            "promptTokensComputed": .int(run.counters.promptTokensComputed),
            "promptTokensReused": .int(run.counters.promptTokensReused),
            "tokensGenerated": .int(run.counters.tokensGenerated), "engineSteps": .int(run.counters.steps),
            "cacheEvictions": .int(run.counters.evictions), "typingSeconds": .number(run.typingSeconds),
            "replayTokensPerSecond": .number(run.replayTokensPerSecond),
            "decodeTokens": .int(run.decodeTokens), "decodeSeconds": .number(run.decodeSeconds),
            "decodeTokensPerSecond": .number(run.decodeTokensPerSecond),
            "cold": run.cold.map { ["promptTokens": .int($0.promptTokens), "computedTokens": .int($0.computedTokens),
                                    "firstTokenMs": .number($0.firstTokenMs), "totalMs": .number($0.totalMs)] } ?? .null,
            "maxRSSBytes": .int(run.maxRSS), "maxHWMBytes": .int(run.highWaterMark),
        ]
    }

    static func json(_ runs: [ReplayRun], options: ReplayRun.Options) -> JSONValue {
        [
            "characterMs": .number(options.pace.characterMs), "pauseMs": .number(options.pace.pauseMs),
            "pauseProbability": .number(options.pace.pauseProbability), "seconds": .number(options.seconds),
            "maxTokens": .int(options.maxTokens), "deadlineMs": .int(options.deadlineMs),
            "decodeTokens": .int(options.decodeTokens),
            "runs": .array(runs.map(json)),
            "ratios": .object(JSONObject(ratios(runs).map { ($0.name, JSONValue.number($0.value)) })),
        ]
    }
}
