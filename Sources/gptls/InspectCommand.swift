import ArgumentParser
import CommandSupport
import Foundation
import Model
import ModelFiles
import LocalBackend
import Tasks

/// `gptls inspect`: what a model file is and what it holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show a model's format, naming scheme, configuration and size.",
        discussion: """
            Reads a .safetensors file, a PyTorch .pth checkpoint (never running its pickle), a GGUF file (its \
            architecture, tensor types, vocabulary and memory; only its header where gptls cannot run it), a \
            Hugging Face directory, or a directory with manifest.json (the weights of --task, with the manifest's \
            labels). --heads is used only where the file does not give the head count (GPT-2 weights).
            """)

    @Argument(help: ArgumentHelp("A .safetensors, .pth or .gguf file, a Hugging Face model directory, or a "
                                 + "directory with manifest.json."))
    var path: String
    @Option(help: "Task whose weights to show when PATH has a manifest.json: completion, summarize or classify.")
    var task = TaskKind.completion
    @Option(help: "Head count, for weights whose width is not a standard GPT-2 size and whose manifest does not say.")
    var heads: Int?

    func run() throws {
        let source = try ModelSource(model: path, task: task)
        let gguf = GGUFFile.isGGUF(source.weights) ? try GGUFFile(url: source.weights) : nil
        if let gguf, gguf.unreadableTensorError() != nil
            || !GGUFModelConfig.architectures.contains(gguf.architecture ?? "") {
            // What the header says, with notes on what gptls cannot run.
            print(gguf.summaryLines().joined(separator: "\n"))
            return
        }
        let config = try source.config.map { try GPTConfig(contentsOf: $0) }
        let file: ModelFile, model: GPTModel
        do {
            file = try ModelFile(at: source.weights, config: config, heads: heads ?? source.heads)
            model = try file.load()
        } catch {
            guard let gguf else { throw error }
            print((gguf.summaryLines() + ["note: gptls cannot run this file: \(error)"]).joined(separator: "\n"))
            return
        }
        let c = model.config, s = file.summary
        var taskLine = "language model"
        if case .classifier(let own) = model.task {
            let labels = source.labels ?? own
            let from = source.labels == nil ? "" : " (from the manifest)"
            taskLine = "classifier with \(labels.count) labels\(from): \(labels.joined(separator: ", "))"
            taskLine += "\nclassifier input: " + describe(source.classifierInput, context: c.nPositions)
        }
        var tokenizer = source.tokenizerDirectory.map { $0.path } ?? "GPT-2's (shipped with gptls)"
        if source.tokenizerDirectory == nil, let vocabulary = try gguf?.vocabulary() {
            tokenizer = "the file's vocabulary (\(vocabulary.tokens.count) tokens)"
        }
        // RMSNorm models carry their epsilon in the architecture line; GPT-2's LayerNorm epsilon would only mislead.
        let layerNormEpsilon = c.architecture.norm == .layerNorm ? "layer_norm_epsilon \(c.layerNormEpsilon), " : ""
        var lines = [
            "file: \(s.path)",
            "format: \(s.format)",
            "naming scheme: \(file.scheme.rawValue)",
            "task: \(taskLine)",
            "architecture: \(c.architecture)",
            "config: n_embd \(c.nEmbd), n_head \(c.nHead) (head size \(c.headSize)), n_layer \(c.nLayer), "
                + "n_positions \(c.nPositions), vocab_size \(c.vocabSize), n_inner \(c.nInner), "
                + layerNormEpsilon + "qkv_bias \(c.architecture.qkvBias)",
            "tensors: \(s.tensorCount) ("
                + s.dtypes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")",
            "bytes: \(s.fileBytes)",
            "parameters: \(s.parameterCount)",
            "tokenizer: \(tokenizer)",
            "summary prompt: " + describe(try ModelLoader.instructionFormat(for: source)),
        ]
        if let gguf {
            // The header's own lines where they add to these: the model's name, the vocabulary, the memory.
            let ours = Set(lines.map { $0.prefix { $0 != ":" } })
            let header = gguf.summaryLines()
            if let bytes = header.first(where: { $0.hasPrefix("bytes: ") }),
               let at = lines.firstIndex(where: { $0.hasPrefix("bytes: ") }) {
                lines[at] = bytes
            }
            lines += header.filter { !ours.contains($0.prefix { $0 != ":" }) }
        }
        lines += s.notes.map { "note: \($0)" }
        print(lines.joined(separator: "\n"))
    }

    private func describe(_ format: InstructionFormat) -> String {
        switch format {
        case .alpaca: return "Alpaca (the book's instruction format)"
        case .chatML: return "ChatML (from the chat template)"
        case .llama3: return "Llama 3 headers (from the chat template)"
        }
    }

    private func describe(_ input: ClassifierInput, context: Int) -> String {
        guard let maxTokens = input.maxTokens else {
            return "the last \(context) tokens, output of the last position"
        }
        if let pad = input.padTokenId {
            return "the first \(maxTokens) tokens, padded to \(maxTokens) with token \(pad), output of the last position"
        }
        return "the first \(maxTokens) tokens, output of the last position"
    }
}
