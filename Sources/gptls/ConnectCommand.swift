import ArgumentParser
import Foundation
import JSONRPC

#if canImport(Glibc)
import Glibc
#endif

/// `gptls connect`: what an editor runs instead of `gptls serve` to share one process with the user's other editors.
///
/// It relays stdin/stdout to the shared process's socket, starting that process (detached, logging to a file in
/// the user's state directory) when nothing answers. Several editors starting at once start one process: starting
/// happens under the socket directory's lock, and a server started while another already answers exits at once.
/// When the process goes away the relay starts another and gives it the editor's session again (`SocketRelay`).
struct ConnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Connect stdin/stdout to this user's shared gptls, starting it if none answers.",
        discussion: """
            Editors run `gptls connect` where they would run `gptls serve`: every editor then shares one model and \
            one prefix cache. The shared process is `gptls serve --socket PATH --idle-exit SECONDS`; its log goes to \
            $XDG_STATE_HOME/gptls/server.log (or ~/.local/state/gptls/server.log).
            """)

    @Option(help: ArgumentHelp("The shared process's socket (default: $XDG_RUNTIME_DIR/gptls/gptls-VERSION.sock, else "
                                   + "a private directory in the temporary folder).", valueName: "path"))
    var socket: String?

    @Option(name: .customLong("idle-exit"),
            help: ArgumentHelp("When starting the shared process: it exits after this many seconds without connections.",
                               valueName: "seconds"))
    var idleExit: Double = 600

    @Option(name: .customLong("start-timeout"), help: ArgumentHelp("Seconds to wait for a started process to answer.", valueName: "seconds"))
    var startTimeout: Double = 30

    @Option(name: .long, help: "When starting the shared process: its model for every task (default: the bundled model).")
    var model: String?

    @Option(name: .customLong("max-memory-mb"),
            help: ArgumentHelp("When starting the shared process: the most memory it may hold, in MiB (as for serve).",
                               valueName: "MiB"))
    var maxMemoryMB: Int?

    @Option(name: .customLong("allow-endpoint"),
            help: ArgumentHelp("When starting the shared process: a serving engine beyond this machine that the "
                                   + "editor's settings may name (as for serve). Repeatable.", valueName: "url"))
    var allowEndpoint: [String] = []

    @Option(name: .long, help: "When starting the shared process: its log level (trace, debug, info, notice, warning, error).")
    var logLevel: String = "info"

    func run() throws {
        let path = socket ?? SharedSocket.defaultPath()
        var starter = SharedProcessStarter(socketPath: path, idleExit: idleExit, model: model, logLevel: logLevel,
                                           startTimeout: startTimeout)
        starter.maxMemoryMB = maxMemoryMB
        starter.allowedEndpoints = allowEndpoint
        let fd = try starter.connect()
        if socket == nil { SharedSocket.retireOthers(besides: path) }
        // For tests only: a window between connecting to a restarted process and replaying the session.
        let replayDelay = ProcessInfo.processInfo.environment["GPTLS_TEST_REPLAY_DELAY_MS"].flatMap(Double.init)
            .map { $0 / 1000 } ?? 0
        SocketRelay(socket: fd, logPath: try? starter.logFile(), replayDelay: replayDelay,
                    connect: { try starter.connect() }).run()
    }
}
