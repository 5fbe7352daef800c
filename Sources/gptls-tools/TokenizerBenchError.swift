/// Why `gptls-tools bench-tokenizer` could not run.
enum TokenizerBenchError: Error, CustomStringConvertible {
    case unreadable(String)

    var description: String {
        switch self {
        case .unreadable(let path): return "bench-tokenizer: \(path): cannot read the file"
        }
    }
}
