import ArgumentParser
import Foundation
import Tokenizer

/// `gptls-tools bench-tokenizer`: encoding throughput of the GPT-2 tokenizer on files, single-threaded.
///
/// scripts/bench/tokenizer runs it beside tiktoken on the same corpus and prints the ratio.
struct TokenizerBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-tokenizer",
        abstract: "Measure GPT-2 tokenizer encoding speed (MB/s, single thread) on files."
    )

    @Option(name: .long, help: "Timed runs; the best is reported.")
    var runs = 5

    @Option(name: .long, help: "A model directory whose tokenizer to measure (default: GPT-2's vocabulary).")
    var model: String?

    @Argument(help: "Files to encode (concatenated into one text).")
    var files: [String]

    func run() throws {
        let tokenizer = try model.map { try BPETokenizer(directory: URL(fileURLWithPath: $0)) } ?? BPETokenizer.gpt2()
        var text = ""
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw TokenizerBenchError.unreadable(file)
            }
            text += String(decoding: data, as: UTF8.self)
        }
        let megabytes = Double(text.utf8.count) / 1e6
        var timings: [Double] = []
        var tokens = 0
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            tokens = tokenizer.encode(text).count
            timings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let best = timings.min()!
        print(String(format: "gptls: %.2f MB, %d tokens; first run %.1f MB/s, best of %d %.1f MB/s",
                     megabytes, tokens, megabytes / timings[0], timings.count, megabytes / best))
    }
}
