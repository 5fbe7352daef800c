/// The four classes GPT-2's pre-tokenization pattern distinguishes: `\p{L}`, `\p{N}`, `\s` and everything else.
enum ScalarClass: UInt8 {
    case letter, number, space, other

    /// The class of a scalar: Unicode general category L* / N* and the White_Space property, as in the Rust regex
    /// crate tiktoken uses.
    static func of(_ scalar: Unicode.Scalar) -> ScalarClass {
        let properties = scalar.properties
        if properties.isWhitespace { return .space }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// Classes of the Basic Multilingual Plane, computed once (64 KiB) and never freed: the property lookup costs far
    /// more than a load, and a plain pointer spares the hot loop the lazy-global check of an array.
    static let basicPlane: UnsafePointer<ScalarClass> = {
        let table = UnsafeMutablePointer<ScalarClass>.allocate(capacity: 0x1_0000)
        for value in 0..<0x1_0000 {
            table[value] = Unicode.Scalar(UInt32(value)).map(ScalarClass.of) ?? .other  // surrogates: never in UTF-8
        }
        return UnsafePointer(table)
    }()
}
