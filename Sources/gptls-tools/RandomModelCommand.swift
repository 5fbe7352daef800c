import ArgumentParser
import Foundation
import Model
import ModelFiles

/// `gptls-tools random-model`: writes a seeded random-weight model, for tests and benchmarks.
struct RandomModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "random-model",
        abstract: "Write a seeded random-weight GPT-2 model (Hugging Face layout, F32) for tests and benchmarks.")

    enum Shape: String, ExpressibleByArgument, CaseIterable {
        case tiny
        case gpt2 = "gpt2-124m"
        case gpt2Medium = "gpt2-medium"

        var config: GPTConfig {
            switch self {
            case .tiny: return RandomModel.tiny
            case .gpt2: return RandomModel.gpt2Small
            case .gpt2Medium: return RandomModel.gpt2Medium
            }
        }
    }

    @Argument(help: "Directory to write config.json and model.safetensors into.")
    var output: String

    @Option(name: .long, help: "tiny (2 layers of 32 channels), gpt2-124m or gpt2-medium (355M).")
    var shape: Shape = .tiny

    @Option(name: .long, help: "Seed of the weights.")
    var seed: UInt64 = 0

    func run() throws {
        let config = shape.config
        let url = URL(fileURLWithPath: output)
        try RandomModel.write(config: config, seed: seed, to: url)
        print("wrote \(url.path) (\(shape.rawValue), seed \(seed))")
    }
}
