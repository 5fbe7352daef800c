import Foundation

/// Samples a process's resident memory from /proc/PID/status (Linux) on a background thread.
///
/// Threading: `start` spawns the sampling thread; `stop` and the readers may be called from any thread.
final class ServerMemory: @unchecked Sendable {
    struct Reading {
        /// VmRSS: resident now. VmHWM: the kernel's own peak of VmRSS. Bytes.
        var rss: Int
        var highWaterMark: Int
        /// VmRSS split: anonymous memory (heap: copied weights, KV cache) and file pages (mapped weights).
        var anonymous: Int
        var file: Int
    }

    private let pid: Int32
    private let lock = NSLock()
    private var running = true
    private(set) var samples: [Reading] = []
    private let finished = DispatchSemaphore(value: 0)

    init(pid: Int32) { self.pid = pid }

    static func read(pid: Int32) -> Reading? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func kilobytes(_ field: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        guard let rss = kilobytes("VmRSS"), let hwm = kilobytes("VmHWM") else { return nil }
        return Reading(rss: rss * 1024, highWaterMark: hwm * 1024, anonymous: (kilobytes("RssAnon") ?? 0) * 1024,
                       file: (kilobytes("RssFile") ?? 0) * 1024)
    }

    /// Samples every `interval` seconds until `stop`.
    func start(interval: Double) {
        let thread = Thread { [self] in
            while true {
                lock.lock()
                let go = running
                lock.unlock()
                guard go else { break }
                if let reading = ServerMemory.read(pid: pid) {
                    lock.lock()
                    samples.append(reading)
                    lock.unlock()
                }
                Thread.sleep(forTimeInterval: interval)
            }
            finished.signal()
        }
        thread.start()
    }

    func stop() {
        lock.lock()
        running = false
        lock.unlock()
        finished.wait()
    }

    var maxRSS: Int {
        lock.lock()
        defer { lock.unlock() }
        return samples.map(\.rss).max() ?? 0
    }

    /// The sample with the largest RSS.
    var peak: Reading? {
        lock.lock()
        defer { lock.unlock() }
        return samples.max { $0.rss < $1.rss }
    }

    var maxHighWaterMark: Int {
        lock.lock()
        defer { lock.unlock() }
        return samples.map(\.highWaterMark).max() ?? 0
    }
}
