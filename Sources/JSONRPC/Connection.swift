import Dispatch
import Foundation
import JSON
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON-RPC peer over two file descriptors: one reader thread, one serial writer.
///
/// The reader thread (a Foundation `Thread`, not Swift's cooperative pool, since `read` blocks) reads the input in
/// chunks, frames them (`Framing`), decodes each body (`Message(body:)`) and calls `onMessage` with it, in arrival
/// order. Frames with bad headers are logged and skipped (one refused for its size is also answered, with `id: null`,
/// since its sender may wait on it); bodies that are not valid messages are logged and answered
/// here with the error the JSON-RPC rules call for (-32700 with id null, -32600), so the handler sees only valid
/// messages. End of input (or a read error) calls `onClose` once, on the reader thread.
///
/// Threading: `send` may be called from any thread; replies are written whole, one after the other, by one serial
/// queue, so concurrent replies never interleave. `onMessage` runs on the reader thread: it must hand slow work to
/// another thread, or the next message waits.
public final class Connection: @unchecked Sendable {
    public let input: Int32
    public let output: Int32
    public let maximumContentLength: Int
    private let logger: Logger
    private let writer = DispatchQueue(label: "gptls.jsonrpc.writer")
    /// Guarded by `writer`: set once a write fails (the peer is gone), after which sends are dropped.
    private var outputBroken = false
    private let startLock = NSLock()
    private var started = false

    /// A connection reading `input` and writing `output`; it does not close them.
    public init(input: Int32, output: Int32, maximumContentLength: Int = Framing.defaultMaximumContentLength,
                logger: Logger = Logger(label: "gptls.jsonrpc")) {
        self.input = input
        self.output = output
        self.maximumContentLength = maximumContentLength
        self.logger = logger
    }

    /// Starts the reader thread. Call once.
    ///
    /// Also ignores SIGPIPE for the whole process: a peer that goes away must become a logged write error, not a
    /// signal that kills this process (the server when the editor dies, `gptls demo` when the server dies).
    public func start(onMessage: @escaping @Sendable (Message) -> Void, onClose: @escaping @Sendable () -> Void) {
        startLock.lock()
        precondition(!started, "Connection.start called twice")
        started = true
        startLock.unlock()
        signal(SIGPIPE, SIG_IGN)
        let thread = Thread { [self] in
            readLoop(onMessage: onMessage)
            onClose()
        }
        thread.name = "gptls.jsonrpc.reader"
        // Decoding recurses once per nesting level (up to JSONValue.maximumDepth): give it a main-thread-sized stack.
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues `message` to be written as one frame. Returns at once; see `flush` to wait for the write.
    public func send(_ message: Message) {
        let frame = message.framed()
        writer.async { [self] in writeFrame(frame) }
    }

    /// Waits until every message sent before this call has been written (or dropped because the output is broken).
    public func flush() {
        writer.sync {}
    }

    private func readLoop(onMessage: (Message) -> Void) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var resynchronising = false
        while true {
            let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                logger.error("reading the JSON-RPC input failed: \(String(cString: strerror(errno))); closing")
                return
            }
            if count == 0 {
                if !buffer.isEmpty {
                    logger.warning("input ended inside a frame; \(buffer.count) bytes dropped")
                }
                logger.debug("input ended")
                return
            }
            buffer.append(contentsOf: chunk[0..<count])
            var consumed = 0
            framing: while true {
                switch Framing.nextFrame(in: buffer[consumed...], maximumContentLength: maximumContentLength) {
                case .incomplete:
                    break framing
                case .invalidHeader(let error, let length):
                    // The body of a refused 1 GB frame is skipped 16 KiB at a time: log the refusal, not each skip.
                    if resynchronising, error.isSkippedGarbage {
                        logger.debug("\(error)")
                    } else {
                        logger.error("\(error)")
                    }
                    resynchronising = true
                    consumed += length
                    if case .contentLengthTooLarge(let size, let limit) = error {
                        send(.response(id: nil, result: .failure(Connection.messageTooLarge(size, limit: limit))))
                    }
                case .frame(let body, let length):
                    resynchronising = false
                    consumed += length
                    deliver(body, to: onMessage)
                }
            }
            buffer.removeFirst(consumed)
            // A large frame grew the buffer to its size: hand that back once it is consumed, or one big message would
            // cost its size for the rest of the connection.
            if buffer.isEmpty, buffer.capacity > 1 << 20 { buffer = [] }
        }
    }

    /// The reply to a frame refused for its size: its id is in the body, which is never read, hence `id: null`.
    /// Without it a client that sent a too-large `didOpen` or request would learn nothing, since a header refusal is
    /// otherwise only logged.
    static func messageTooLarge(_ size: Int, limit: Int) -> ResponseError {
        let shown = size == Int.max ? "of 19 digits or more" : "\(size)"
        let mebibytes = limit >= 1 << 20 ? " (\(limit >> 20) MiB)" : ""
        return ResponseError(.invalidRequest, "a message of \(shown) bytes is above the limit of \(limit) bytes"
                             + "\(mebibytes) per message; it was skipped unread",
                             data: ["reason": "messageTooLarge", "bytes": .int(size), "limit": .int(limit)])
    }

    private func deliver(_ body: ArraySlice<UInt8>, to onMessage: (Message) -> Void) {
        let message: Message
        do {
            message = try Message(body: body)
        } catch {
            logger.error("invalid message: \(error)")
            if let reply = error.reply { send(reply) }
            return
        }
        onMessage(message)
    }

    /// Writes all of `bytes`, resuming after partial writes and interrupts. Runs on `writer` only.
    private func writeFrame(_ bytes: [UInt8]) {
        guard !outputBroken else { return }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                write(output, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                logger.error("writing to the JSON-RPC output failed: \(String(cString: strerror(errno))); further messages are dropped")
                outputBroken = true
                return
            }
            offset += written
        }
    }
}
