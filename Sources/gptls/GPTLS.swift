import ArgumentParser
import Logging

/// The `gptls` command: with no subcommand it serves the language server protocol on stdin/stdout.
///
/// Each subcommand lives in its own file (`<Name>Command.swift`) and is listed here. Benchmarks and test-model
/// writers are `gptls-tools`, a separate executable.
@main
struct GPTLS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gptls",
        abstract: "A language server that puts a local GPT-2-architecture model into any LSP editor.",
        version: BuildVersion.current,
        subcommands: [ServeCommand.self, ConnectCommand.self, StatusCommand.self, DemoCommand.self,
                      GenerateCommand.self, TokenizeCommand.self, InspectCommand.self, ExportCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
