import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP server that answers each request as a test script says: for the faults a real engine will not
/// produce on demand (500s, cut streams, stalls, malformed JSON). Each connection is served on its own thread.
final class ScriptedHTTPServer: @unchecked Sendable {
    /// One accepted connection: what the client sent, and the means to answer (or not).
    final class Exchange: @unchecked Sendable {
        let descriptor: Int32
        let request: String

        init(descriptor: Int32, request: String) {
            self.descriptor = descriptor
            self.request = request
        }

        /// The request's path, e.g. "/v1/completions".
        var path: String { request.split(separator: " ").dropFirst().first.map(String.init) ?? "" }

        func write(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// Headers of a streamed (SSE) reply that ends when the connection closes.
        func startEventStream() {
            write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        }

        func event(_ data: String) { write("data: \(data)\n\n") }

        /// A whole reply with a body.
        func reply(status: Int, _ body: String) {
            write("HTTP/1.1 \(status) Status\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n\(body)")
        }

        /// Waits until the client closes the connection; true if it did within `seconds`.
        func waitForClientClose(seconds: Double) -> Bool {
            let end = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 256)
            while Date() < end {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 50) > 0 {
                    if recv(descriptor, &buffer, buffer.count, 0) <= 0 { return true }
                }
            }
            return false
        }
    }

    let port: Int
    private let listener: Int32
    private let script: @Sendable (Exchange) -> Void
    private let lock = NSLock()
    private var open: [Int32] = []
    private var received: [String] = []
    private var stopped = false

    /// Every request so far, in arrival order.
    var requests: [String] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Whether `/infill` requests reach the script; otherwise they get 404, as from an OpenAI-compatible engine
    /// without it, and are not listed in `requests`.
    private let servesInfill: Bool

    init(servesInfill: Bool = false, script: @escaping @Sendable (Exchange) -> Void) throws {
        self.script = script
        self.servesInfill = servesInfill
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var url: String { "http://127.0.0.1:\(port)/v1" }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            lock.lock()
            // The loop closes the listener itself, once it no longer accepts: closed in `stop`, its descriptor
            // could be reused by the next test's server while this loop is between two accepts, and the loop
            // would then take that server's connections.
            guard client >= 0, !stopped else {
                lock.unlock()
                if client >= 0 { close(client) }
                close(listener)
                return
            }
            open.append(client)
            lock.unlock()
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Headers, then as many body bytes as Content-Length says.
        while true {
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            data += buffer[0..<count]
            let text = String(decoding: data, as: UTF8.self)
            guard let split = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<split.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if text[split.upperBound...].utf8.count >= length { break }
        }
        let request = String(decoding: data, as: UTF8.self)
        let exchange = Exchange(descriptor: client, request: request)
        if !servesInfill, exchange.path.hasSuffix("/infill") {
            exchange.reply(status: 404, #"{"error": {"code": 404, "message": "File Not Found"}}"#)
            close(client)
            return
        }
        lock.lock()
        received.append(request)
        lock.unlock()
        script(exchange)
        close(client)
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        // Wakes the accept loop, which closes the listener.
        shutdown(listener, Int32(SHUT_RDWR))
    }
}
