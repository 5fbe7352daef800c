import Tasks

/// The memory this process holds, for `gptls/status`.
enum ProcessMemory {
    /// Resident set size in bytes; 0 where the system cannot say.
    static func residentBytes() -> Int { MemoryLimit.residentBytes() }
}
