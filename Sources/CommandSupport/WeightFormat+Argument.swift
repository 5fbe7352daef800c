import ArgumentParser
import GPT

/// `--weights f32|bf16` on the commands that load a model.
extension WeightFormat: ExpressibleByArgument {}
