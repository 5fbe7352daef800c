import ArgumentParser
import CommandSupport
import Demo

/// `gptls demo`: starts the server as a subprocess and drives it the way an editor would, printing what happens.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the server as a subprocess and drive it like an editor: typing with inline completions, "
            + "a summary and classifications, with timings.")

    @Option(name: .long, help: "Model directory, or a .safetensors, .pth or .gguf file (default: the bundled model).")
    var model: String?

    @OptionGroup var threadOptions: ThreadsOption
    @OptionGroup var endpointOptions: EndpointOption

    func run() throws {
        try DemoDriver(model: model, serverArguments: threadOptions.arguments + endpointOptions.arguments).run()
    }
}
