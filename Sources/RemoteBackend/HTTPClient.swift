import CCurl
import Foundation

/// HTTP exchanges with a serving engine, each on its own connection and thread (libcurl, through
/// `Sources/CCurl`): bodies arrive as they are read (for streamed completions), and cancelling an exchange shuts its
/// connection down at once, which is how the engines learn to stop generating.
///
/// Not URLSession: on Linux, cancelling a URLSessionTask while its reply completes traps the process inside
/// FoundationNetworking, and the remote backend cancels exactly then (a stop rule firing as a stream ends, a
/// supersede); the remote fuzz target found it. A connection per exchange costs a loopback or LAN handshake, far
/// below a token's time.
///
/// Threading: `send` may be called from any thread; every callback of every exchange runs on the client's one
/// serial queue, in order, and must return quickly.
final class HTTPClient: @unchecked Sendable {
    /// One request in flight; `cancel` closes its connection, after which it reports nothing more.
    final class Exchange: @unchecked Sendable {
        /// nil when the exchange could not start (no memory for it).
        fileprivate let handle = gptls_http_exchange_create()

        deinit { gptls_http_exchange_destroy(handle) }

        var isCancelled: Bool { handle.map { gptls_http_exchange_is_cancelled($0) != 0 } ?? false }

        func cancel() {
            if let handle { gptls_http_exchange_cancel(handle) }
        }
    }

    let queue = DispatchQueue(label: "gptls.remote.http")
    private let idleTimeout: TimeInterval

    /// `idleTimeout`: seconds without a byte (or without a connection) after which the exchange fails.
    init(idleTimeout: TimeInterval) {
        self.idleTimeout = idleTimeout
    }

    /// Starts `request`. A 2xx body goes to `onData` piece by piece; another status fails with its body.
    func send(_ request: HTTPRequest, onData: @escaping (Data) -> Void,
              onFinish: @escaping (Result<Void, HTTPFailure>) -> Void) -> Exchange {
        let exchange = Exchange()
        let transfer = Transfer(exchange: exchange, queue: queue, onData: onData)
        let thread = Thread { [idleTimeout] in
            let outcome = transfer.perform(request, idleTimeout: idleTimeout)
            transfer.queue.sync {
                guard !exchange.isCancelled, let outcome else { return }
                onFinish(outcome)
            }
        }
        thread.name = "gptls-http"
        thread.start()
        return exchange
    }
}

/// One exchange's run: the request's parts as C strings, and what arrives, handed to the client's queue.
private final class Transfer: @unchecked Sendable {
    let exchange: HTTPClient.Exchange
    let queue: DispatchQueue
    let onData: (Data) -> Void
    /// What arrived of a non-2xx reply, for the error (its first 4 KiB). Touched on the queue only.
    private var errorBody = Data()

    init(exchange: HTTPClient.Exchange, queue: DispatchQueue, onData: @escaping (Data) -> Void) {
        self.exchange = exchange
        self.queue = queue
        self.onData = onData
    }

    /// Runs the exchange on this thread; nil when it was cancelled.
    func perform(_ request: HTTPRequest, idleTimeout: TimeInterval) -> Result<Void, HTTPFailure>? {
        guard let handle = exchange.handle else { return .failure(.transport("no memory for an HTTP exchange")) }
        let url = request.url.absoluteString
        let method = request.method
        let headers = request.headers.map { "\($0.name): \($0.value)" }
        let body = request.body
        var status = 0
        var error = [CChar](repeating: 0, count: 512)
        let context = Unmanaged.passUnretained(self).toOpaque()
        let outcome = withCStrings(headers) { headerPointers in
            withBody(body) { bytes, count in
                gptls_http_exchange_perform(handle, method, url, headerPointers, headers.count, bytes, count,
                                            Int(idleTimeout * 1000), { context, status, bytes, count in
                    guard let context, let bytes else { return 0 }
                    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
                    transfer.received(status: status, Data(bytes: bytes, count: count))
                    return 0
                }, context, &status, &error, error.count)
            }
        }
        switch Int(outcome) {
        case GPTLS_HTTP_CANCELLED: return nil
        case GPTLS_HTTP_TIMED_OUT: return .failure(.timedOut)
        case GPTLS_HTTP_FAILED:
            return .failure(.transport(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                              as: UTF8.self)))
        default:
            return queue.sync {
                (200..<300).contains(status)
                    ? .success(()) : .failure(.status(status, body: String(decoding: errorBody, as: UTF8.self)))
            }
        }
    }

    /// A piece of the body, on the exchange's thread: handed to the queue, and waited for, so pieces stay in order
    /// and a slow consumer slows the reading.
    private func received(status: Int, _ data: Data) {
        queue.sync {
            guard !exchange.isCancelled else { return }
            if (200..<300).contains(status) {
                onData(data)
            } else if errorBody.count < 4096 {
                errorBody.append(data.prefix(4096 - errorBody.count))
            }
        }
    }
}

/// `strings` as an array of C strings for the duration of `body`.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// The request body's bytes (nil for none) for the duration of `body`.
private func withBody<R>(_ data: Data?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
    guard let data else { return body(nil, 0) }
    return data.withUnsafeBytes { body($0.baseAddress, $0.count) }
}

/// Why an HTTP exchange failed, as a sentence.
enum HTTPFailure: Error, Equatable, CustomStringConvertible {
    case transport(String)
    case timedOut
    case status(Int, body: String)

    var description: String {
        switch self {
        case .transport(let reason): return "the connection failed: \(reason)"
        case .timedOut: return "no reply within the time limit"
        case .status(let code, let body):
            let detail = body.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300)
            return "HTTP status \(code)" + (detail.isEmpty ? "" : ": \(detail)")
        }
    }
}
