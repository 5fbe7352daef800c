/// The merge table: `(left << 32 | right)` -> `(rank << 32 | merged)`, open addressing with a multiplicative hash.
///
/// Swift's `Dictionary` hashes with SipHash, which dominated the profile of merging; pair keys need no such defence.
/// Immutable after building; thread-safe to read.
struct PairTable: Sendable {
    private static let empty = UInt64.max
    private let entries: [UInt64]  // key, value, key, value, ...
    private let shift: UInt64
    /// The highest rank in the table.
    let maxRank: Int

    init(_ pairs: [UInt64: UInt64]) {
        var bits: UInt64 = 4
        while (1 << bits) < pairs.count * 2 { bits += 1 }
        let capacity = 1 << Int(bits)
        var entries = [UInt64](repeating: Self.empty, count: capacity * 2)
        let mask = capacity - 1
        var maxRank = 0
        for (key, value) in pairs {
            var index = Self.slot(key, shift: 64 - bits)
            while entries[2 * index] != Self.empty { index = (index + 1) & mask }
            entries[2 * index] = key
            entries[2 * index + 1] = value
            maxRank = max(maxRank, Int(value >> 32))
        }
        self.entries = entries
        self.shift = 64 - bits
        self.maxRank = maxRank
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
