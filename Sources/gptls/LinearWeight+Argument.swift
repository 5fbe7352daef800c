import ArgumentParser
import Kernels

/// `--weights f32|bf16` on the commands that load a model.
extension LinearWeight.Format: ExpressibleByArgument {}
