import ArgumentParser
import Foundation
import GPT

/// `gptls inspect`: what a model file is and what it holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show a model's format, naming scheme, configuration and size.")

    @Argument(help: "A .safetensors file or a Hugging Face model directory.") var path: String
    @Option(help: "Head count, for files without config.json whose width is not a standard GPT-2 size.") var heads: Int?

    func run() throws {
        let model = try GPTModel.load(from: URL(fileURLWithPath: path), heads: heads)
        let c = model.config, s = model.summary
        var task = "language model"
        if case .classifier(let labels) = model.task {
            task = "classifier with \(labels.count) labels: \(labels.joined(separator: ", "))"
        }
        print("""
        file: \(s.path)
        format: \(s.format)
        naming scheme: \(model.scheme.rawValue)
        task: \(task)
        config: n_embd \(c.nEmbd), n_head \(c.nHead) (head size \(c.headSize)), n_layer \(c.nLayer), \
        n_positions \(c.nPositions), vocab_size \(c.vocabSize), n_inner \(c.nInner), \
        layer_norm_epsilon \(c.layerNormEpsilon), qkv_bias \(c.qkvBias)
        tensors: \(s.tensorCount) (\(s.dtypes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        bytes: \(s.fileBytes)
        parameters: \(s.parameterCount)
        """)
    }
}
