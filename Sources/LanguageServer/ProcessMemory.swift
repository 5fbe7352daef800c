import Foundation

/// The memory this process holds, for `gptls/status`.
enum ProcessMemory {
    /// Resident set size in bytes, from /proc/self/statm; 0 where the system has no such file.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
