import ArgumentParser
import CommandSupport
import Foundation
import Model
import ModelFiles
import LocalBackend
import Tasks
import Tokenizer

/// `gptls-tools quality`: what holding the matrices in bf16 or int8 costs in quality, against f32 on the same text.
///
/// Per weight format: perplexity over non-overlapping windows of the held-out text; how often the next-token argmax
/// agrees with f32's on that text (teacher forced); how many greedy continuations from each window's start are
/// token for token f32's; and, where a manifest has a classifier and labelled files are given, its accuracy on
/// snippets of those files.
struct QualityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Perplexity, agreement with f32 and classifier accuracy of each weight format on the same text.")

    @Option(help: "A directory with manifest.json (completion and classify models), a Hugging Face directory or a weights file.")
    var model: String
    @Option(parsing: .upToNextOption, help: "Held-out text files for perplexity and agreement.")
    var text: [String]
    @Option(parsing: .upToNextOption, help: "Labelled files for the classifier, as LABEL=PATH (LABEL one of the manifest's labels).")
    var labelled: [String] = []
    @Option(parsing: .upToNextOption, help: "Weight formats to compare (f32 is the reference and always runs).")
    var weights: [WeightFormat] = WeightFormat.allCases
    @Option(help: "Tokens per perplexity window (at most the model's context).") var window = 512
    @Option(help: "Most windows to score.") var maxWindows = 64
    @Option(help: "Prompt tokens and generated tokens of each greedy continuation.") var greedyTokens = 32
    @Option(help: "Lines per classifier snippet.") var snippetLines = 20
    @Flag(help: "Print the figures as one JSON object.") var json = false
    @OptionGroup var threadOptions: ThreadsOption

    struct Figures {
        var loss = 0.0, top1Agreement = 0.0, greedyIdentical = 0.0, greedyPrefix = 0.0
        var accuracy: Double?
    }

    func validate() throws {
        guard window >= 2 else { throw ValidationError("--window is \(window); a window needs at least 2 tokens") }
        guard maxWindows >= 1, greedyTokens >= 1, snippetLines >= 1 else {
            throw ValidationError("--max-windows, --greedy-tokens and --snippet-lines must be at least 1")
        }
    }

    func run() throws {
        try threadOptions.apply()
        let source = try ModelSource(model: model, task: .completion)
        let tokenizer = try ModelLoader.tokenizer(for: source)
        let config = try source.config.map { try GPTConfig(contentsOf: $0) }
        var stream: [Int] = []
        for path in text { stream += tokenizer.encode(try String(contentsOfFile: path, encoding: .utf8)) }
        let formats = [WeightFormat.f32] + weights.filter { $0 != .f32 }
        var reference: Scores?
        var results: [String: Figures] = [:]
        for format in formats {
            let gpt = try GPTModel.load(from: source.weights, config: config, heads: source.heads, weights: format)
            let width = min(window, gpt.config.nPositions)
            let windows = stride(from: 0, to: stream.count - width + 1, by: width).prefix(maxWindows)
                .map { Array(stream[$0..<$0 + width]) }
            guard !windows.isEmpty else {
                throw ValidationError("the text has \(stream.count) tokens, fewer than one window of \(width)")
            }
            let scores = try Scores(model: gpt, windows: windows, greedyTokens: greedyTokens)
            let base = reference ?? scores
            if reference == nil { reference = scores }
            var figures = Figures(loss: scores.loss)
            figures.top1Agreement = Double(zip(scores.argmax, base.argmax).filter { $0 == $1 }.count)
                / Double(scores.argmax.count)
            let pairs = zip(scores.continuations, base.continuations)
            figures.greedyIdentical = Double(pairs.filter { $0 == $1 }.count) / Double(windows.count)
            figures.greedyPrefix = Double(pairs.map { a, b in zip(a, b).prefix { $0 == $1 }.count }.reduce(0, +))
                / Double(windows.count)
            if !labelled.isEmpty { figures.accuracy = try classifierAccuracy(format: format, tokenizer: tokenizer) }
            results[format.rawValue] = figures
        }
        report(results, formats: formats, tokens: stream.count)
    }

    /// Accuracy of the manifest's classifier in `format` on snippets of the labelled files.
    func classifierAccuracy(format: WeightFormat, tokenizer: BPETokenizer) throws -> Double {
        let source = try ModelSource(model: model, task: .classify)
        guard let labels = source.labels else { throw ValidationError("\(model) has no classify task with labels") }
        let config = try source.config.map { try GPTConfig(contentsOf: $0) }
        let gpt = try GPTModel.load(from: source.weights, config: config, heads: source.heads, weights: format)
        let engine = OfflineEngine(model: gpt, pool: KVBlockPool(for: gpt, blockSize: 16, byteBudget: 64 << 20))
        var correct = 0, total = 0
        for item in labelled {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let expected = labels.firstIndex(of: parts[0]) else {
                throw ValidationError("\(item): expected LABEL=PATH with LABEL one of \(labels.joined(separator: ", "))")
            }
            let lines = try String(contentsOfFile: parts[1], encoding: .utf8).split(separator: "\n",
                                                                                  omittingEmptySubsequences: false)
            for start in stride(from: 0, to: lines.count, by: snippetLines) {
                let snippet = lines[start..<min(lines.count, start + snippetLines)].joined(separator: "\n")
                let ids = source.classifierInput.tokens(tokenizer.encode(snippet), contextLength: gpt.config.nPositions)
                guard !ids.isEmpty, snippet.contains(where: { !$0.isWhitespace }) else { continue }
                let logits = try engine.outputs(ids)[0]
                let predicted = logits.indices.max { logits[$0] < logits[$1] }
                correct += predicted == expected ? 1 : 0
                total += 1
            }
        }
        return total == 0 ? 0 : Double(correct) / Double(total)
    }

    func report(_ results: [String: Figures], formats: [WeightFormat], tokens: Int) {
        if json {
            var object: [String: Any] = ["text_tokens": tokens]
            for (name, f) in results {
                var entry: [String: Any] = ["loss": f.loss, "perplexity": exp(f.loss), "top1_agreement": f.top1Agreement,
                                            "greedy_identical": f.greedyIdentical, "greedy_prefix": f.greedyPrefix]
                if let accuracy = f.accuracy { entry["classifier_accuracy"] = accuracy }
                object[name] = entry
            }
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]) {
                print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        print("format  perplexity  vs f32   top-1 agree  greedy identical  greedy prefix  classifier")
        let base = results["f32"].map { exp($0.loss) } ?? 1
        for format in formats {
            guard let f = results[format.rawValue] else { continue }
            let ppl = exp(f.loss)
            print(String(format: "%-6@  %10.4f  %+6.2f%%  %11.4f  %16.4f  %13.2f  %@", format.rawValue, ppl,
                         100 * (ppl / base - 1), f.top1Agreement, f.greedyIdentical, f.greedyPrefix,
                         f.accuracy.map { String(format: "%.4f", $0) } ?? "-"))
        }
    }
}
