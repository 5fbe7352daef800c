import ArgumentParser
import CommandSupport
import Foundation
import JSONRPC
import Kernels
import LanguageServer
import LocalBackend
import Logging
import Tasks

/// `gptls serve` (also the default): the language server on stdin/stdout.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the language server protocol on stdin/stdout (the default when no subcommand is given).",
        discussion: """
            An editor starts gptls as a subprocess and speaks JSON-RPC 2.0 with LSP framing to it. stdout carries \
            only protocol frames; logs go to stderr. See protocol/README.md for the methods and the configuration.

            Settings the editor sends may come from files a repository ships, so they may name a serving engine only \
            on this machine (loopback) or one allowed with --allow-endpoint, never an API key variable; a model \
            manifest they name is held to the same rule. Under a memory limit (the cgroup's, or --max-memory-mb) the \
            KV cache is sized to fit beside the weights, cached blocks are evicted before work is refused, and a \
            model that does not fit is refused with an error (see "Limits" in protocol/README.md).
            """)

    @Option(name: .long, help: "Model directory, or a .safetensors, .pth or .gguf file, for every task (default: the bundled model).")
    var model: String?

    @Option(help: "Head count, for weights whose width is not a standard GPT-2 size and whose manifest does not say.")
    var heads: Int?

    @Option(name: .customLong("kv-cache-mb"),
            help: "KV cache budget of all the models together, in MiB (default: half their weights, at least 64; at most half the machine's memory).")
    var kvCacheMB: Int?

    @Option(name: .customLong("max-memory-mb"),
            help: ArgumentHelp("Most memory this process may hold, in MiB (default: its cgroup's memory.max, if any; the smaller wins). The KV cache is cut to fit beside the weights; a model or prompt that does not fit is refused with an error.",
                               valueName: "MiB"))
    var maxMemoryMB: Int?

    @Option(name: .customLong("allow-endpoint"),
            help: ArgumentHelp("Let the editor's settings (which a repository can ship) name this serving engine, beyond engines on this machine. Repeatable.",
                               valueName: "url"))
    var allowEndpoint: [String] = []

    @Option(help: "How to hold the models' matrices: bf16 (half of f32's memory traffic; on the bundled model the same perplexity as f32 and 99.6% of its top-1 tokens), f32 (exact, slowest) or int8 (fastest decode; perplexity +0.1%, 98% of f32's top-1 tokens). Under int8 and bf16 a GGUF file's Q4_K, Q6_K, Q5_0 and Q4_0 matrices keep their width. Default: int8 for a GGUF file of quantized blocks (Q8_0, Q4_K_M: bf16 would widen its Q8_0 blocks to 16 bits, 1.9x the memory for a Q8_0 file, and decode Q8_0 at about half the speed), bf16 for any other file. Also a setting.")
    var weights: WeightPrecision?

    @Flag(name: .customLong("no-prefix-cache"), help: "Never reuse cached prompt prefixes (to measure what the cache saves).")
    var noPrefixCache = false

    @Flag(name: .customLong("no-prompt-lookup"),
          help: ArgumentHelp("Never draft tokens from the document to check in one step (greedy output is the same "
                             + "either way; to measure what drafting saves)."))
    var noPromptLookup = false

    @Option(name: .customLong("step-ms"),
            help: ArgumentHelp("Longest a step of prompt computation should take, in milliseconds: a keystroke waits "
                               + "at most about this long behind another document's prompt; the engine measures its "
                               + "own speed to size the chunks (0: chunks of up to 256 tokens whatever they cost).",
                               valueName: "ms"))
    var stepMs: Double = BackendConfiguration.defaultStepMs

    @Option(help: "Choose the SIMD path of the C kernels, at most what the CPU has: portable, avx2, avxvnni, avx512, avx512bf16 (to measure another CPU's path on this one).")
    var simd: String?

    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @OptionGroup var threadOptions: ThreadsOption
    @OptionGroup var endpointOptions: EndpointOption

    @Option(help: ArgumentHelp("Serve every editor of this user on one Unix socket at this path instead of stdio.",
                               valueName: "path"))
    var socket: String?

    @Option(name: .customLong("idle-exit"),
            help: ArgumentHelp("With --socket: exit after this many seconds without connections.", valueName: "seconds"))
    var idleExit: Double?

    @Option(name: .customLong("log-file"),
            help: ArgumentHelp("With --socket: write the log to this file, rotated by size (the previous part is "
                               + "PATH.1).", valueName: "path"))
    var logFile: String?

    @Option(name: .customLong("log-max-mb"),
            help: ArgumentHelp("With --log-file: rotate the log at this size, in MiB.", valueName: "MiB"))
    var logMaxMB: Double = 8

    func validate() throws {
        if idleExit != nil && socket == nil { throw ValidationError("--idle-exit needs --socket") }
        if logFile != nil && socket == nil { throw ValidationError("--log-file needs --socket") }
        if !(logMaxMB > 0) { throw ValidationError("--log-max-mb must be a positive number") }
        if let idleExit, !(idleExit > 0) { throw ValidationError("--idle-exit must be a positive number of seconds") }
        if !(stepMs >= 0) { throw ValidationError("--step-ms must be 0 or a positive number of milliseconds") }
        if let simd, SIMDPath.named(simd) == nil { throw ValidationError("--simd \(simd): not one of \(SIMDPath.names)") }
        if let maxMemoryMB, maxMemoryMB < 1 { throw ValidationError("--max-memory-mb must be a positive number of MiB") }
        for url in allowEndpoint where EndpointPolicy(allowing: [url]).allowedOrigins.isEmpty {
            throw ValidationError("--allow-endpoint \(url): not an http:// or https:// URL")
        }
    }

    func run() throws {
        if let logFile {
            try ServerLog(path: logFile, maximumBytes: Int(logMaxMB * 1_048_576)).open()
        }
        configureLogging(level: logLevel)
        var settings = Settings()
        settings.model = model
        if let kvCacheMB { settings.cacheBudgetMB = kvCacheMB }
        settings.prefixCache = !noPrefixCache
        settings.promptLookup = !noPromptLookup
        settings.stepMs = stepMs
        if let simd, let path = SIMDPath.named(simd) { SIMDPath.limit(to: path) }
        if let weights { settings.weights = weights }
        settings.threads = threadOptions.threads
        settings.endpoint = endpointOptions.configuration
        settings.endpointPolicy = EndpointPolicy(commandLine: settings.endpoint, model: model, allowing: allowEndpoint)
        settings.memoryLimit = MemoryLimit.detect(maxMemoryMB: maxMemoryMB)
        if let limit = settings.memoryLimit { Logger(label: "gptls").info("memory limit: \(limit)") }
        let heads = heads
        if let socket { return try serveSocket(socket, settings: settings, heads: heads) }
        let connection = Connection.standardIO()
        // The models load while the editor initializes; its settings may still ask for others.
        let pool = BackendPool { try BackendFactory.backend($0, heads: heads) }
        pool.startPreload(settings, keep: false)
        let server = Server(settings: settings, version: BuildVersion.current, models: BackendProvider(pool: pool),
                            send: { connection.send($0) },
                            onTermination: { termination in
                                connection.flush()
                                switch termination {
                                case .clean: Foundation.exit(0)
                                case .unexpected(let why):
                                    Logger(label: "gptls").notice("exiting: \(why)")
                                    Foundation.exit(1)
                                }
                            })
        connection.start(onMessage: { server.receive($0) }, onClose: { server.inputClosed() })
        dispatchMain()
    }
}
