import Foundation

/// An open-addressing hash map from byte sequences to a 64-bit payload, looked up straight from a buffer slice.
///
/// Swift's `Dictionary<[UInt8], _>` would need an array per lookup; this map keeps its keys in one arena and
/// compares them in place, which is what makes the vocabulary shortcut and the pre-token cache cheap.
/// Not thread-safe: a value type, mutated by one owner at a time.
struct ByteSequenceMap {
    private struct Slot {
        var hash: UInt64 = 0
        var keyOffset: Int32 = -1  // -1: empty
        var keyLength: Int32 = 0
        var payload: Int64 = 0
    }

    private var slots: [Slot]
    private var keys: [UInt8] = []
    private(set) var count = 0

    /// Bytes held by the keys, to bound a cache.
    var keyBytes: Int { keys.count }

    init(minimumCapacity: Int = 16) {
        var capacity = 16
        while Self.isCrowded(minimumCapacity, slots: capacity) { capacity *= 2 }
        slots = [Slot](repeating: Slot(), count: capacity)
    }

    /// Whether `count` keys fill more than three quarters of the slots. A vocabulary's map (150k tokens) is built
    /// once and kept: at this load it takes 6 MiB, where at half load it took 12, and lookups probe about two slots.
    private static func isCrowded(_ count: Int, slots: Int) -> Bool { count * 4 > slots * 3 }

    /// The payload stored for the bytes, or nil.
    @inline(__always)
    func value(for key: UnsafeBufferPointer<UInt8>) -> Int64? {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        return slots.withUnsafeBufferPointer { slots in
            keys.withUnsafeBufferPointer { keys in
                var index = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let slot = slots[index]
                    if slot.keyOffset < 0 { return nil }
                    if slot.hash == hash, Int(slot.keyLength) == key.count,
                       key.count == 0 || memcmp(keys.baseAddress! + Int(slot.keyOffset), key.baseAddress!, key.count) == 0 {
                        return slot.payload
                    }
                    index = (index + 1) & mask
                }
            }
        }
    }

    /// Stores the payload for the bytes, replacing an earlier one.
    mutating func set(_ payload: Int64, for key: UnsafeBufferPointer<UInt8>) {
        if Self.isCrowded(count + 1, slots: slots.count) { grow() }
        let hash = Self.hash(key)
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index].keyOffset >= 0 {
            let slot = slots[index]
            if slot.hash == hash, Int(slot.keyLength) == key.count, keys[Int(slot.keyOffset)..<Int(slot.keyOffset) + key.count].elementsEqual(key) {
                slots[index].payload = payload
                return
            }
            index = (index + 1) & mask
        }
        slots[index] = Slot(hash: hash, keyOffset: Int32(keys.count), keyLength: Int32(key.count), payload: payload)
        keys.append(contentsOf: key)
        count += 1
    }

    mutating func set(_ payload: Int64, for key: [UInt8]) {
        key.withUnsafeBufferPointer { set(payload, for: $0) }
    }

    func value(for key: [UInt8]) -> Int64? {
        key.withUnsafeBufferPointer { value(for: $0) }
    }

    /// Forgets every key, keeping the allocated capacity.
    mutating func removeAll() {
        for index in slots.indices { slots[index].keyOffset = -1 }
        keys.removeAll(keepingCapacity: true)
        count = 0
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        let mask = slots.count - 1
        for slot in old where slot.keyOffset >= 0 {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].keyOffset >= 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
    }

    /// A fast multiply-mix hash over 8-byte words; keys are short (pre-tokens, tokens).
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        guard let base = key.baseAddress else { return hash }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= key.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            offset += 8
        }
        if offset < key.count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while offset < key.count {
                word |= UInt64(base[offset]) << shift
                shift += 8
                offset += 1
            }
            hash = (hash ^ word) &* 0xC4CE_B9FE_1A85_EC53
            hash ^= hash >> 29
        }
        hash = (hash ^ (hash >> 32)) &* 0xFF51_AFD7_ED55_8CCD
        return hash ^ (hash >> 32)
    }
}
