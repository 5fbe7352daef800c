import ArgumentParser
import CommandSupport
import Foundation
import Model
import ModelFiles
import LocalBackend
import Tasks

/// `gptls export`: writes a model gptls loads in the form a serving engine loads.
struct ExportCommand: ParsableCommand {
    /// The two forms: what vLLM, SGLang and transformers load, and what llama.cpp loads.
    enum Target: String, ExpressibleByArgument, CaseIterable {
        case hf
        case gguf
    }

    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a model as a Hugging Face GPT-2 directory or a GGUF file.",
        discussion: """
            --to hf writes OUT/ with config.json, model.safetensors (fp32, Hugging Face GPT-2 names), vocab.json and \
            merges.txt: what transformers, vLLM and SGLang load. --to gguf writes the file OUT of llama.cpp's gpt2 \
            architecture (fp32) with its tokenizer: what llama.cpp's server and llama-cpp-python load. Classifiers \
            export only to hf.
            """)

    @Argument(help: "A .safetensors or .pth file, a Hugging Face model directory, or a directory with manifest.json.")
    var model: String
    @Option(help: "Form to write: hf or gguf.") var to: Target
    @Argument(help: "Where to write: a directory (hf) or a file (gguf).") var output: String
    @Option(help: "Task whose weights to export when MODEL has a manifest.json: completion, summarize or classify.")
    var task = TaskKind.completion
    @Option(help: "Head count, for weights whose width is not a standard GPT-2 size and whose manifest does not say.")
    var heads: Int?

    func run() throws {
        let source = try ModelSource(model: model, task: task)
        let config = try source.config.map { try GPTConfig(contentsOf: $0) }
        let exported = try ExportedModel.read(from: source.weights, config: config, heads: heads ?? source.heads)
        var listing = try ModelLoader.tokenizer(for: source).listing()
        // Models often pad their vocabulary (50304 rows for 50257 tokens); the rows past the tokenizer get names.
        while listing.tokens.count < exported.config.vocabSize {
            listing.tokens.append("<|unused_\(listing.tokens.count)|>")
            listing.isSpecial.append(true)
        }
        guard listing.tokens.count == exported.config.vocabSize else {
            throw ValidationError("the tokenizer has \(listing.tokens.count) tokens but the model's vocabulary has "
                + "\(exported.config.vocabSize) rows; an engine would reject the pair")
        }
        let url = URL(fileURLWithPath: (output as NSString).expandingTildeInPath)
        switch to {
        case .hf:
            try HuggingFaceExport.write(exported, tokens: listing.tokens, merges: listing.merges, to: url)
        case .gguf:
            try GGUFExport.write(exported, tokens: listing.tokens, isSpecial: listing.isSpecial,
                                 merges: listing.merges, name: source.weights.deletingPathExtension().lastPathComponent,
                                 to: url)
        }
        FileHandle.standardError.write(Data("wrote \(url.path) (\(to.rawValue))\n".utf8))
    }
}
