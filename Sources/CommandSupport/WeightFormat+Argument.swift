import ArgumentParser
import Model
import Tasks

/// `--weights f32|bf16` on the commands that load a model.
extension WeightFormat: ExpressibleByArgument {}
extension WeightPrecision: ExpressibleByArgument {}
