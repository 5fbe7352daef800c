import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Connection {
    /// The server's connection over stdin/stdout, made safe for a process that may print by accident.
    ///
    /// Ignores SIGPIPE (a vanished client becomes a write error, logged, not a killed process), keeps a duplicate
    /// of stdout for the protocol and points fd 1 at stderr (see `takeOverStandardOutput`). Call once, at start-up,
    /// before any other thread writes to stdout.
    public static func standardIO(maximumContentLength: Int = Framing.defaultMaximumContentLength,
                                  logger: Logger = Logger(label: "gptls.jsonrpc")) -> Connection {
        signal(SIGPIPE, SIG_IGN)
        fflush(stdout)
        let protocolOutput = takeOverStandardOutput(standardOutput: STDOUT_FILENO, standardError: STDERR_FILENO)
        return Connection(input: STDIN_FILENO, output: protocolOutput, maximumContentLength: maximumContentLength,
                          logger: logger)
    }

    /// Duplicates `standardOutput` into a new descriptor (returned, close-on-exec so children do not inherit it)
    /// and points `standardOutput` at `standardError`: from then on only the returned descriptor reaches what
    /// stdout was, so a stray `print` lands on stderr instead of corrupting the frames.
    public static func takeOverStandardOutput(standardOutput: Int32, standardError: Int32) -> Int32 {
        let duplicate = fcntl(standardOutput, F_DUPFD_CLOEXEC, 3)
        precondition(duplicate >= 0, "cannot duplicate stdout: \(String(cString: strerror(errno)))")
        precondition(dup2(standardError, standardOutput) >= 0,
                     "cannot point stdout at stderr: \(String(cString: strerror(errno)))")
        return duplicate
    }
}
