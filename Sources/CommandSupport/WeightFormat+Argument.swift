import ArgumentParser
import Model
import Tasks

/// `--weights f32|bf16` on the commands that load a model.
extension WeightFormat: ExpressibleByArgument {}
extension WeightPrecision: ExpressibleByArgument {}
/// `gptls-tools bench --q6k-panels none|head|all`.
extension WeightStorage.Q6KBlocks: ExpressibleByArgument {}
