import Engine
import Foundation
import LocalBackend
import Model
import ModelFiles

/// Decoding a prompt with drafts and without: what prompt lookup saves on text that repeats (or costs on text that
/// does not).
struct LookupFigures {
    var withDraftsTokS: Double
    var withoutDraftsTokS: Double
    var drafted: Int
    var accepted: Int
    var generated: Int

    var speedup: Double { withDraftsTokS / withoutDraftsTokS }
}

/// Why the prompt-lookup measurement stopped.
struct LookupBenchError: Error, CustomStringConvertible {
    let description: String
}

extension BenchCommand {
    /// Greedy decode tokens/s of `prompt` (up to `tokens` tokens) with drafts from `lookup` and without, alternating
    /// runs so that both see the same machine; medians of `runs` each. The two must give the same tokens.
    static func measureLookup(model: GPTModel, lookup: PromptLookup, prompt: [Int], tokens: Int,
                              runs: Int) throws -> LookupFigures {
        let blocks = (prompt.count + tokens + 15) / 16 + 1
        func engine(_ lookup: PromptLookup?) -> OfflineEngine {
            OfflineEngine(model: model, pool: KVBlockPool(for: model, blockSize: 16, capacityBlocks: blocks),
                          promptLookup: lookup)
        }
        let drafted = engine(lookup), plain = engine(nil)
        var on: [Double] = [], off: [Double] = []
        var last: JobResult?
        for _ in 0..<runs {
            let a = try drafted.generate(prompt, maxTokens: tokens)
            let b = try plain.generate(prompt, maxTokens: tokens)
            guard a.tokens == b.tokens else {
                throw LookupBenchError(description: "decoding with drafts gave other tokens than without: "
                                       + "\(a.tokens) against \(b.tokens)")
            }
            on.append(decodeRate(a))
            off.append(decodeRate(b))
            last = a
        }
        return LookupFigures(withDraftsTokS: median(on), withoutDraftsTokS: median(off),
                             drafted: last?.metrics.draftedTokens ?? 0,
                             accepted: last?.metrics.acceptedDraftTokens ?? 0,
                             generated: last?.tokens.count ?? 0)
    }

    /// Tokens after the first per second of the time after the first: the decode rate, without the prompt.
    private static func decodeRate(_ result: JobResult) -> Double {
        let seconds = (result.metrics.totalMs - result.metrics.firstTokenMs) / 1000
        return seconds > 0 ? Double(result.tokens.count - 1) / seconds : 0
    }
}
