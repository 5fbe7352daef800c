import ArgumentParser
import Foundation
import GPT

/// `gptls-tools random-model`: writes a seeded random-weight model, for tests and benchmarks.
struct RandomModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "random-model",
        abstract: "Write a seeded random-weight GPT-2 model (Hugging Face layout, F32) for tests and benchmarks.")

    enum Shape: String, ExpressibleByArgument, CaseIterable {
        case tiny
        case gpt2 = "gpt2-124m"
    }

    @Argument(help: "Directory to write config.json and model.safetensors into.")
    var output: String

    @Option(name: .long, help: "tiny (2 layers of 32 channels) or gpt2-124m.")
    var shape: Shape = .tiny

    @Option(name: .long, help: "Seed of the weights.")
    var seed: UInt64 = 0

    func run() throws {
        let config = shape == .tiny ? RandomModel.tiny : RandomModel.gpt2Small
        let url = URL(fileURLWithPath: output)
        try RandomModel.write(config: config, seed: seed, to: url)
        print("wrote \(url.path) (\(shape.rawValue), seed \(seed))")
    }
}
