import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the shared process writes to its log (stderr) when a fatal signal kills it: a `gptls crashed:` line with
/// the signal, a line saying what it was doing (connections and the methods of the requests in flight), and the
/// backtrace of the crashing thread.
///
/// A signal handler may only do async-signal-safe work, so everything it writes is prepared beforehand: `update`
/// formats the "doing" line into one of two fixed buffers and then publishes which one is current; the handler only
/// calls `write` and glibc's `backtrace` / `backtrace_symbols_fd` (looked up and called once at `install`, so that
/// their library is loaded before any crash). After writing, the handler restores the default action and raises the
/// signal again, so the process still dies of it (with a core dump where the system keeps them).
///
/// Threading: `install` once, from the main thread; `update` from one thread at a time.
enum CrashReport {
    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]
    private static let capacity = 2048

    private typealias Backtrace = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>?, Int32) -> Int32
    private typealias BacktraceSymbols = @convention(c) (UnsafePointer<UnsafeMutableRawPointer?>?, Int32, Int32) -> Void

    // Written before the handlers are installed (and `doing` by `update`), read by the handler.
    nonisolated(unsafe) private static var buffers: UnsafeMutablePointer<UInt8>?
    nonisolated(unsafe) private static var lengths: UnsafeMutablePointer<Int>?
    nonisolated(unsafe) private static var current: UnsafeMutablePointer<Int>?
    nonisolated(unsafe) private static var frames: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    nonisolated(unsafe) private static var backtrace: Backtrace?
    nonisolated(unsafe) private static var backtraceSymbols: BacktraceSymbols?

    /// Installs the handlers for `signals`, except in a build with AddressSanitizer, whose own handlers report a
    /// crash in more detail (and whose stack checks misread a handler running where `dispatchMain` left the main
    /// thread's stack).
    static func install() {
        guard dlsym(nil, "__asan_init") == nil else { return }
        buffers = .allocate(capacity: 2 * capacity)
        lengths = .allocate(capacity: 2)
        lengths!.initialize(repeating: 0, count: 2)
        current = .allocate(capacity: 1)
        current!.initialize(to: 0)
        frames = .allocate(capacity: 128)
        frames!.initialize(repeating: nil, count: 128)
        if let symbol = dlsym(nil, "backtrace"), let symbols = dlsym(nil, "backtrace_symbols_fd") {
            backtrace = unsafeBitCast(symbol, to: Backtrace.self)
            backtraceSymbols = unsafeBitCast(symbols, to: BacktraceSymbols.self)
            _ = backtrace!(frames, 1)  // loads libgcc_s now rather than inside a handler
        }
        update(doing: "starting")
        for signalNumber in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { CrashReport.handle($0) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signalNumber, &action, nil)
        }
    }

    /// Sets the line the report gives as what the process was doing.
    static func update(doing text: String) {
        guard let buffers, let lengths, let current else { return }
        let next = 1 - current.pointee
        let bytes = Array("doing: \(text)\n".utf8.prefix(capacity))
        bytes.withUnsafeBufferPointer { source in
            (buffers + next * capacity).update(from: source.baseAddress!, count: source.count)
        }
        lengths[next] = bytes.count
        current.pointee = next
    }

    private static func handle(_ signalNumber: Int32) {
        writeStatic("\ngptls crashed: fatal signal ")
        writeNumber(signalNumber)
        writeStatic(" (")
        writeStatic(name(signalNumber))
        writeStatic(")\n")
        if let buffers, let lengths, let current {
            let index = current.pointee
            _ = write(STDERR_FILENO, buffers + index * capacity, lengths[index])
        }
        writeStatic("backtrace:\n")
        if let backtrace, let backtraceSymbols, let frames {
            let count = backtrace(frames, 128)
            backtraceSymbols(frames, count, STDERR_FILENO)
        }
        writeStatic("end of crash report\n")
        // The default action, not the Swift runtime's backtracer: that one symbolicates every thread for many
        // seconds, during which the socket stays open and every editor waits for a dead process.
        signal(signalNumber, SIG_DFL)
        raise(signalNumber)
    }

    private static func name(_ signalNumber: Int32) -> StaticString {
        switch signalNumber {
        case SIGSEGV: return "SIGSEGV"
        case SIGBUS: return "SIGBUS"
        case SIGILL: return "SIGILL"
        case SIGFPE: return "SIGFPE"
        case SIGABRT: return "SIGABRT"
        case SIGTRAP: return "SIGTRAP"
        default: return "signal"
        }
    }

    private static func writeStatic(_ text: StaticString) {
        _ = write(STDERR_FILENO, text.utf8Start, text.utf8CodeUnitCount)
    }

    /// Writes a non-negative number without allocating.
    private static func writeNumber(_ value: Int32) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            var index = raw.count
            var rest = max(0, Int(value))
            repeat {
                index -= 1
                raw[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0 && index > 0
            _ = write(STDERR_FILENO, raw.baseAddress! + index, raw.count - index)
        }
    }
}
