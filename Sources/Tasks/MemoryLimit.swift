import Foundation

/// The most memory this process may hold, and where that figure comes from: its cgroup's limit (what the kernel's
/// OOM killer enforces) or `gptls serve --max-memory-mb`, whichever is smaller.
///
/// Models are loaded and their KV budget sized so that weights + KV cache + `headroomBytes` stay under it: a model
/// that would not fit is refused with a sentence instead of the process being killed mid-keystroke.
public struct MemoryLimit: Hashable, Sendable, CustomStringConvertible {
    public var bytes: Int
    /// Where the figure comes from, for messages: "the cgroup's memory.max", "--max-memory-mb".
    public var source: String

    public init(bytes: Int, source: String) {
        self.bytes = bytes
        self.source = source
    }

    public var description: String { "\(bytes >> 20) MiB (\(source))" }

    /// Memory kept free beside weights and KV cache: the runtime, tokenizers, documents, a step's activations.
    public var headroomBytes: Int { max(64 << 20, bytes / 10) }

    /// The limit left for one more backend when others have promised `bytes` they do not hold yet (their KV budget
    /// not yet written).
    public func lessPromised(_ promised: Int) -> MemoryLimit {
        MemoryLimit(bytes: bytes - max(0, promised), source: source)
    }

    /// The limit of this process: the smaller of its cgroup's (v2 `memory.max`, else v1 `memory.limit_in_bytes`,
    /// of its own cgroup and those above it) and `maxMemoryMB`; nil when neither sets one.
    public static func detect(maxMemoryMB: Int?, cgroupRoot: String = "/sys/fs/cgroup",
                              membership: String? = nil) -> MemoryLimit? {
        let option = maxMemoryMB.map { MemoryLimit(bytes: $0 << 20, source: "--max-memory-mb") }
        let text = membership ?? (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        let cgroup = cgroupLimit(membership: text, root: cgroupRoot)
        return [option, cgroup].compactMap { $0 }.min { $0.bytes < $1.bytes }
    }

    /// The smallest limit set on this process's cgroup or any cgroup above it.
    static func cgroupLimit(membership: String, root: String) -> MemoryLimit? {
        var found: [MemoryLimit] = []
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let (directory, file, source): (String, String, String)
            if fields[0] == "0" && fields[1].isEmpty {
                (directory, file, source) = (root, "memory.max", "the cgroup's memory.max")
            } else if fields[1].split(separator: ",").contains("memory") {
                (directory, file, source) = (root + "/memory", "memory.limit_in_bytes", "the cgroup's memory limit")
            } else {
                continue
            }
            var path = String(fields[2])
            while true {
                let value = try? String(contentsOfFile: directory + path + (path.hasSuffix("/") ? "" : "/") + file,
                                        encoding: .utf8)
                // "max", or v1's "unlimited" (a number near Int64.max), set no limit.
                if let value, let limit = Int(value.trimmingCharacters(in: .whitespacesAndNewlines)),
                   limit > 0, limit < 1 << 60 {
                    found.append(MemoryLimit(bytes: limit, source: source))
                }
                guard path != "/", !path.isEmpty else { break }
                path = (path as NSString).deletingLastPathComponent
            }
        }
        return found.min { $0.bytes < $1.bytes }
    }

    /// Resident set size of this process in bytes, from /proc/self/statm; 0 where the system has no such file.
    public static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
