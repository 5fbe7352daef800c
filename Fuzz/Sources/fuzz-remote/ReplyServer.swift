import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP "engine" that answers each request with the next reply of the current input's script, one
/// thread per connection. It lives for the whole fuzz run; `begin` hands it the next input's script.
final class ReplyServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var script = ReplyScript([])
    private var served = 0

    init() {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { fatalError("cannot listen on a loopback port") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client >= 0 { Thread.detachNewThread { [self] in serve(client) } }
        }
    }

    var url: String { "http://127.0.0.1:\(port)/v1" }

    /// Answers the next requests from `script`, starting with its first reply.
    func begin(_ script: ReplyScript) {
        lock.lock()
        self.script = script
        served = 0
        lock.unlock()
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        guard readRequest(client) else { return }
        lock.lock()
        let reply = script.reply(served)
        served += 1
        lock.unlock()
        switch reply {
        case .raw(let bytes):
            write(client, bytes)
        case .eventStream(let body):
            write(client, Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n".utf8) + body)
        case .json(let status, let body):
            write(client, head(status: status, length: body.count) + body)
        case .cut(let body):
            write(client, head(status: 200, length: body.count + 100) + body)
        case .stall(let body):
            write(client, Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n".utf8) + body)
            waitForClientClose(client, seconds: 2)
        case .close:
            break
        }
    }

    private func head(status: Int, length: Int) -> [UInt8] {
        Array("HTTP/1.1 \(status) Status\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\nConnection: close\r\n\r\n".utf8)
    }

    /// Reads the headers and as many body bytes as Content-Length says; false if the client went away first.
    private func readRequest(_ client: Int32) -> Bool {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let blank = Array("\r\n\r\n".utf8)
        while true {
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { return false }
            data += buffer[0..<count]
            guard let end = data.indices.first(where: { data[$0...].starts(with: blank) }) else { continue }
            let head = String(decoding: data[..<end], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if data.count - (end + blank.count) >= length { return true }
        }
    }

    private func write(_ client: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    private func waitForClientClose(_ client: Int32, seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 256)
        while Date() < end {
            var poller = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 20) > 0, recv(client, &buffer, buffer.count, 0) <= 0 { return }
        }
    }
}
