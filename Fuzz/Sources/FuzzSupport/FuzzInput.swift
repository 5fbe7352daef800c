/// A reader over one fuzz input that turns its bytes into choices: small numbers, flags and strings.
///
/// Running past the end yields zeros and empty strings, so every input, however short, is a whole scenario; the
/// fuzzer mutates the bytes and the scenario changes with them.
public struct FuzzInput {
    private let bytes: [UInt8]
    private var index = 0

    public init(_ buffer: UnsafeRawBufferPointer) { bytes = Array(buffer) }
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { index >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    /// A number in `0..<count` (count > 0).
    public mutating func choose(_ count: Int) -> Int { Int(byte()) % count }

    /// One of `options`, which must not be empty.
    public mutating func pick<T>(_ options: [T]) -> T { options[choose(options.count)] }

    /// A small integer, biased to the interesting range: mostly 0...15, sometimes negative or large.
    public mutating func smallInt() -> Int {
        let b = byte()
        switch b {
        case 0..<200: return Int(b % 16)
        case 200..<230: return Int(b) - 230
        case 230..<250: return Int(b) * 97
        default: return Int(Int32.max) + Int(b)
        }
    }

    /// Up to `maximum` bytes, read as UTF-8 with invalid sequences repaired (a `String` always holds valid Unicode).
    public mutating func string(maximum: Int = 32) -> String {
        let length = choose(maximum + 1)
        var taken: [UInt8] = []
        for _ in 0..<length where !isAtEnd { taken.append(byte()) }
        return String(decoding: taken, as: UTF8.self)
    }

    /// The bytes not read yet.
    public mutating func rest() -> [UInt8] {
        defer { index = bytes.count }
        return index < bytes.count ? Array(bytes[index...]) : []
    }
}
