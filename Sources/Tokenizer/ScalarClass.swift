/// The four classes GPT-2's pre-tokenization pattern distinguishes: `\p{L}`, `\p{N}`, `\s` and everything else.
///
/// The classes come from `ScalarClassTable.swift` (Unicode 16.0, the version of tiktoken's regex engine), not from
/// Swift's `Unicode.Scalar.Properties`, which follow the toolchain's Unicode version (17.0 in Swift 6.3: U+0CDC is a
/// letter there and unassigned to tiktoken).
enum ScalarClass: UInt8 {
    case letter, number, space, other

    /// The class of a scalar value, by binary search over the ranges.
    static func of(_ value: UInt32) -> ScalarClass {
        let table = rangeTable
        var low = 0, high = table.count / 3  // the range holding value, if any, is in [low, high)
        while low < high {
            let middle = (low + high) / 2
            if value < table[3 * middle] {
                high = middle
            } else if value > table[3 * middle + 1] {
                low = middle + 1
            } else {
                return ScalarClass(rawValue: UInt8(table[3 * middle + 2]))!
            }
        }
        return .other
    }

    /// Classes of the Basic Multilingual Plane, computed once (64 KiB) and never freed: a plain pointer spares the
    /// hot loop both the search and the lazy-global check of an array.
    static let basicPlane: UnsafePointer<ScalarClass> = {
        let table = UnsafeMutablePointer<ScalarClass>.allocate(capacity: 0x1_0000)
        table.initialize(repeating: .other, count: 0x1_0000)
        let ranges = rangeTable
        for index in stride(from: 0, to: ranges.count, by: 3) where ranges[index] < 0x1_0000 {
            let kind = ScalarClass(rawValue: UInt8(ranges[index + 2]))!
            for value in ranges[index]...min(ranges[index + 1], 0xFFFF) { table[Int(value)] = kind }
        }
        return UnsafePointer(table)
    }()
}
