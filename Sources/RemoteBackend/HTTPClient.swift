import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP exchanges with a serving engine over one `URLSession`: keep-alive connections are pooled and reused by the
/// session, bodies arrive as they are read (for streamed completions), and cancelling an exchange closes its
/// connection, which is how the engines learn to stop generating.
///
/// Threading: `send` may be called from any thread; every callback of an exchange runs on the client's one serial
/// delegate queue, in order, and must return quickly.
final class HTTPClient: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// One request in flight: its callbacks and what arrived of an error body.
    final class Exchange: @unchecked Sendable {
        let onData: (Data) -> Void
        let onFinish: (Result<Void, HTTPFailure>) -> Void
        var status = 0
        var errorBody = Data()
        var task: URLSessionDataTask?

        init(onData: @escaping (Data) -> Void, onFinish: @escaping (Result<Void, HTTPFailure>) -> Void) {
            self.onData = onData
            self.onFinish = onFinish
        }

        /// Closes the connection; the exchange reports nothing more.
        func cancel() { task?.cancel() }
    }

    private let lock = NSLock()
    private var exchanges: [Int: Exchange] = [:]
    private var session: URLSession!
    let queue: OperationQueue

    /// `idleTimeout`: seconds without a byte after which the exchange fails (URLSession's request timeout).
    init(idleTimeout: TimeInterval) {
        queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
    }

    /// Ends the session once running exchanges have finished or been cancelled.
    func close() { session.finishTasksAndInvalidate() }

    /// Starts `request`. A 2xx body goes to `onData` piece by piece; another status fails with its body.
    func send(_ request: URLRequest, onData: @escaping (Data) -> Void,
              onFinish: @escaping (Result<Void, HTTPFailure>) -> Void) -> Exchange {
        let exchange = Exchange(onData: onData, onFinish: onFinish)
        let task = session.dataTask(with: request)
        exchange.task = task
        lock.lock()
        exchanges[task.taskIdentifier] = exchange
        lock.unlock()
        task.resume()
        return exchange
    }

    private func exchange(_ task: URLSessionTask) -> Exchange? {
        lock.lock()
        defer { lock.unlock() }
        return exchanges[task.taskIdentifier]
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        exchange(dataTask)?.status = (response as? HTTPURLResponse)?.statusCode ?? 0
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let exchange = exchange(dataTask) else { return }
        if (200..<300).contains(exchange.status) {
            exchange.onData(data)
        } else if exchange.errorBody.count < 4096 {
            exchange.errorBody.append(data.prefix(4096 - exchange.errorBody.count))
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        let exchange = exchanges.removeValue(forKey: task.taskIdentifier)
        lock.unlock()
        guard let exchange else { return }
        if let error {
            let nsError = error as NSError
            if nsError.code == NSURLErrorCancelled { return }
            exchange.onFinish(.failure(nsError.code == NSURLErrorTimedOut ? .timedOut : .transport(nsError.localizedDescription)))
        } else if (200..<300).contains(exchange.status) {
            exchange.onFinish(.success(()))
        } else {
            exchange.onFinish(.failure(.status(exchange.status, body: String(decoding: exchange.errorBody, as: UTF8.self))))
        }
    }
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
