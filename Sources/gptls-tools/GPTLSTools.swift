import ArgumentParser

/// The `gptls-tools` command: benchmarks of gptls and its parts, and a writer of seeded test models.
///
/// A separate executable, so the server binary holds only what it serves with. `swift build` puts it beside `gptls`,
/// where the commands that run the server find it. Each subcommand lives in its own file (`<Name>Command.swift`)
/// and is listed here.
@main
struct GPTLSTools: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gptls-tools",
        abstract: "Benchmarks of gptls (model, server, tokenizer) and seeded random-weight models for tests.",
        subcommands: [BenchCommand.self, BenchServerCommand.self, TokenizerBenchCommand.self, RandomModelCommand.self,
                      QualityCommand.self]
    )
}
