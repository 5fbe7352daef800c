import ArgumentParser
import CKernels
import CommandSupport
import Dispatch
import Engine
import Foundation
import Model
import ModelFiles
import Kernels
import LocalBackend
import Logging
import Tasks

/// `gptls-tools bench`: prefill and decode throughput of a model, and how close decode gets to the memory roofline.
///
/// Each figure is the median of `--runs` runs, after one untimed run (as llama-bench warms up): the first run after
/// loading touches memory for the first time and decoded about a fifth slower, so without it a single run (`--runs
/// 1`, as scripts/bench/family-peer asks) measured the cold start, not the engine. The roofline divides the fp32
/// weight bytes one decode step reads by a read bandwidth measured here with a SIMD sum on the kernels' threads over
/// a buffer much larger than the caches.
/// Resident memory (after load, after the runs, and the peak) is read before that buffer exists.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure prefill/decode tokens per second and the decode roofline.")

    @Option(help: "A .safetensors, .pth or .gguf file, a Hugging Face model directory, or a directory with manifest.json (its completion model).")
    var model: String
    @Option(help: "Runs per figure; the median is reported.") var runs = 5
    @Option(help: "Decode steps per run.") var steps = 16
    @Option(parsing: .upToNextOption, help: "Prompt lengths to measure prefill for (0: none).") var prompts = [128, 512]
    @Option(parsing: .upToNextOption, help: "Batch sizes to measure decode for (0: none).") var batches = [1, 4, 8, 16]
    @Option(help: "Prompt tokens each decoding job starts from: the context its decode steps attend to.")
    var context = 64
    @Option(help: "How to hold the matrices of linear layers: f32, bf16 or int8 (under int8 and bf16 a GGUF file's Q4_K, Q6_K, Q5_0 and Q4_0 matrices keep their width).") var weights: WeightFormat = .f32
    @Option(help: "Choose the SIMD path of the C kernels, at most what the CPU has: portable, avx2, avxvnni (AVX2 with AVX-VNNI), avx512, avx512bf16.") var simd: String?
    @Option(help: "Which of a GGUF file's Q6_K matrices keep their blocks in Q6_K panels (6.56 bits a weight) instead of int8 panels: none, head (the output head's) or all.")
    var q6kPanels: WeightStorage.Q6KBlocks = .all
    @Option(help: "Head count, for files without config.json whose width is not a standard GPT-2 size.") var heads: Int?
    @Option(help: ArgumentHelp("A text file to decode greedily with prompt-lookup drafts and without, alternating "
                               + "(tokenized with the model's tokenizer).", valueName: "path"))
    var lookupPrompt: String?
    @Option(help: "Tokens to generate from --lookup-prompt.") var lookupTokens = 64
    @Option(help: "Shortest suffix prompt lookup looks up (1 to 3).") var lookupMinNgram = 2
    @Option(help: "Most tokens prompt lookup drafts at once (1 to 16).") var lookupDraft = 8
    @Flag(help: "Print the figures as one JSON object.") var json = false
    @OptionGroup var threadOptions: ThreadsOption

    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Bytes per second of a read of a 512 MiB buffer on `threads` threads (best of 3).
    static func readBandwidth(threads: Int) -> Double {
        let floats = 128 << 20
        let share = floats / threads / 64 * 64  // each thread's floats, whole 256-byte steps
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: floats)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: floats)
        var best = 0.0
        for _ in 0..<3 {
            let seconds = time {
                DispatchQueue.concurrentPerform(iterations: threads) { part in
                    if gk_read_probe(buffer + part * share, share) == -1 { print("") }  // a use of the sum
                }
            }
            best = max(best, Double(share * threads * 4) / seconds)
        }
        return best
    }

    func run() throws {
        let logger = Logger(label: "gptls.bench", factory: { label in StreamLogHandler.standardError(label: label) })
        guard runs >= 1, steps >= 1 else { throw ValidationError("--runs and --steps must be at least 1") }
        try threadOptions.apply()
        WeightStorage.keptQ6KBlocks = q6kPanels
        if let simd {
            guard let path = SIMDPath.named(simd) else {
                throw ValidationError("--simd \(simd): not one of \(SIMDPath.names)")
            }
            SIMDPath.limit(to: path)
        }
        var gpt: GPTModel!
        let source = try ModelSource(model: model, task: .completion)
        let fileConfig = try source.config.map { try GPTConfig(contentsOf: $0) }
        var file: ModelFile!
        let loadSeconds = try Self.time {
            file = try ModelFile(at: source.weights, config: fileConfig, heads: heads ?? source.heads)
            gpt = try file.load(weights: weights)
        }
        logger.info("loaded \(file.scheme.rawValue) in \(Int(loadSeconds * 1000)) ms; \(KernelThreads.count) threads")
        let loaded = ServerMemory.read(pid: getpid())
        let config = gpt.config
        var rng = Sampler(.init(temperature: 1, seed: 1))
        func tokens(_ n: Int) -> [Int] { (0..<n).map { _ in Int(rng.nextUInt64() % UInt64(config.vocabSize)) } }
        // Each figure runs on an engine whose cache holds just one run's blocks: the first run writes them, the
        // others evict them and write into memory already mapped.
        func engine(blocks: Int) -> OfflineEngine {
            OfflineEngine(model: gpt, pool: KVBlockPool(for: gpt, blockSize: 16, capacityBlocks: blocks),
                          promptLookup: nil)
        }

        var results: [String: Any] = ["load_seconds": loadSeconds, "weights": weights.rawValue,
                                      "simd": SIMDPath.active.name, "threads": KernelThreads.count]
        for n in prompts where n > 0 && n <= config.nPositions {
            let prompt = tokens(n)
            let prefill = engine(blocks: (n + 15) / 16)
            _ = try prefill.run(Job(priority: .interactive, prompt: prompt))  // warm-up, untimed
            let times = try (0..<runs).map { _ in
                try Self.time { _ = try prefill.run(Job(priority: .interactive, prompt: prompt)) }
            }
            results["prefill_\(n)_tok_s"] = Double(n) / Self.median(times)
            logger.info("prefill \(n): \(Int(Double(n) / Self.median(times))) tok/s")
        }
        let context = max(1, min(self.context, config.nPositions - steps - 1))
        for batch in batches where batch > 0 {
            let decode = engine(blocks: batch * ((context + steps + 15) / 16))
            var perRun: [Double] = []
            for run in 0...runs {  // run 0 warms up, untimed
                // The prompts are computed together in the first step, which also picks each job's first token;
                // every later step decodes one token of each job. A job's decode time runs from its first token
                // to its last: `steps` steps.
                let jobs = (0..<batch).map { _ in
                    Job(priority: .interactive, prompt: tokens(context), maxTokens: steps + 1)
                }
                let done = try decode.run(jobs).map { try $0.get() }
                let seconds = done.reduce(0) { $0 + ($1.metrics.totalMs - $1.metrics.firstTokenMs) / 1000 }
                    / Double(batch)
                if run > 0 { perRun.append(Double(batch * steps) / seconds) }
            }
            results["decode_batch_\(batch)_tok_s"] = Self.median(perRun)
            logger.info("decode batch \(batch): \(Int(Self.median(perRun))) tok/s")
        }
        if let lookupPrompt {
            let text = try String(contentsOfFile: lookupPrompt, encoding: .utf8)
            var prompt = try ModelLoader.tokenizer(for: source).encode(text)
            prompt = Array(prompt.suffix(max(1, config.nPositions - lookupTokens - 1)))
            guard (1...3).contains(lookupMinNgram), (1...16).contains(lookupDraft) else {
                throw ValidationError("--lookup-min-ngram must be 1 to 3 and --lookup-draft 1 to 16")
            }
            let lookup = PromptLookup(maxNgram: 3, minNgram: lookupMinNgram, maxDraft: lookupDraft)
            let figures = try Self.measureLookup(model: gpt, lookup: lookup, prompt: prompt, tokens: lookupTokens,
                                                 runs: runs)
            results["lookup_prompt_tokens"] = prompt.count
            results["lookup_decode_with_drafts_tok_s"] = figures.withDraftsTokS
            results["lookup_decode_without_drafts_tok_s"] = figures.withoutDraftsTokS
            results["lookup_speedup"] = figures.speedup
            results["lookup_drafted_tokens"] = figures.drafted
            results["lookup_accepted_tokens"] = figures.accepted
            let kept = "\(figures.accepted) of \(figures.drafted) drafted tokens kept for \(figures.generated) generated"
            let rates = "\(Int(figures.withDraftsTokS)) tok/s with drafts, \(Int(figures.withoutDraftsTokS)) without"
            logger.info("prompt lookup: \(rates); \(kept)")
        }
        // Read before the bandwidth buffer (512 MiB) is touched: these are the model's figures, not the probe's.
        if let loaded, let now = ServerMemory.read(pid: getpid()) {
            results["rss_after_load_mb"] = Double(loaded.rss) / 1048576
            results["rss_after_runs_mb"] = Double(now.rss) / 1048576
            results["peak_rss_mb"] = Double(now.highWaterMark) / 1048576
            results["file_mb"] = Double(file.summary.fileBytes) / 1048576
        }
        let bandwidth = Self.readBandwidth(threads: KernelThreads.count)
        let rooflineTokS = bandwidth / Double(gpt.weightBytesPerStep)
        results["read_bandwidth_gb_s"] = bandwidth / 1e9
        results["weight_bytes_per_step"] = gpt.weightBytesPerStep
        results["decode_roofline_tok_s"] = rooflineTokS
        if let b1 = results["decode_batch_1_tok_s"] as? Double {
            results["decode_batch_1_roofline_percent"] = 100 * b1 / rooflineTokS
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("gptls bench: \(file.scheme.rawValue), \(weights.rawValue) weights, SIMD \(SIMDPath.active.name), "
                  + "\(KernelThreads.count) threads")
            for key in results.keys.sorted() {
                let v = results[key]!
                print("\(key): " + ((v as? Double).map { String(format: "%.2f", $0) } ?? "\(v)"))
            }
        }
    }
}
