/// The merge table: `(left << 32 | right)` -> `(rank << 32 | merged)`, open addressing with a multiplicative hash.
///
/// Swift's `Dictionary` hashes with SipHash, which dominated the profile of merging (and of loading a big
/// vocabulary); pair keys need no such defence. Built once by `insert`, then only read; thread-safe to read.
struct PairTable: Sendable {
    private static let empty = UInt64.max
    private var entries: [UInt64]  // key, value, key, value, ...
    private let shift: UInt64
    private(set) var count = 0
    /// The highest rank in the table.
    private(set) var maxRank = 0

    /// An empty table with room for `capacity` pairs (it never grows), filled to at most three quarters: 4 MiB for
    /// a 150k-merge vocabulary.
    init(capacity: Int) {
        var bits: UInt64 = 4
        while (1 << bits) * 3 < max(capacity, 1) * 4 { bits += 1 }
        entries = [UInt64](repeating: Self.empty, count: (1 << Int(bits)) * 2)
        shift = 64 - bits
    }

    /// Stores the pair unless the table has it already; returns whether it was stored (the first value wins).
    mutating func insert(_ key: UInt64, _ value: UInt64) -> Bool {
        precondition((count + 1) * 4 <= entries.count / 2 * 3, "PairTable is full")
        let mask = entries.count / 2 - 1
        var index = Self.slot(key, shift: shift)
        while entries[2 * index] != Self.empty {
            if entries[2 * index] == key { return false }
            index = (index + 1) & mask
        }
        entries[2 * index] = key
        entries[2 * index + 1] = value
        count += 1
        maxRank = max(maxRank, Int(value >> 32))
        return true
    }

    @inline(__always)
    private static func slot(_ key: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The value of the pair, or `UInt64.max` if the pair has no merge.
    @inline(__always)
    func value(_ key: UInt64) -> UInt64 {
        entries.withUnsafeBufferPointer { entries in
            let mask = entries.count / 2 - 1
            var index = Self.slot(key, shift: shift)
            while true {
                let stored = entries[2 * index]
                if stored == key { return entries[2 * index + 1] }
                if stored == Self.empty { return Self.empty }
                index = (index + 1) & mask
            }
        }
    }
}
