import ArgumentParser
import Kernels

/// `--threads N`, for every command that runs a model: how many threads its kernels split each step over.
public struct ThreadsOption: ParsableArguments {
    @Option(help: """
        Threads for the model's kernels (default: the CPUs this process may use, \(KernelThreads.machineDefault) here).
        """)
    public var threads: Int?

    public init() {}

    /// Refuses a count the kernels cannot use (the parser calls it before the command runs).
    public func validate() throws {
        if let threads, !(1...KernelThreads.maximum).contains(threads) {
            throw ValidationError("--threads must be between 1 and \(KernelThreads.maximum), got \(threads)")
        }
    }

    /// Sets the count for the kernels (after checking it again); call it before loading a model. Without
    /// `--threads` the kernels keep their default.
    public func apply() throws {
        try validate()
        if let threads { KernelThreads.count = threads }
    }

    /// The option as arguments of a `gptls serve` subprocess: empty when it was not given.
    public var arguments: [String] { threads.map { ["--threads", String($0)] } ?? [] }
}
