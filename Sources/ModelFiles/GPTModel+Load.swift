import Foundation
import Model

extension GPTModel {
    /// Loads the model in a `.safetensors` file, a PyTorch `.pth` checkpoint or a Hugging Face directory, with its
    /// matrices held in `weights`: `ModelFile(at:config:heads:)` then `load(weights:)`, for callers that need nothing
    /// else from the file.
    public static func load(from url: URL, config: GPTConfig? = nil, heads: Int? = nil,
                            weights format: WeightFormat = .f32) throws -> GPTModel {
        try ModelFile(at: url, config: config, heads: heads).load(weights: format)
    }
}
