import Protocol

extension PositionEncoding {
    /// How many units of this encoding the scalar occupies.
    func width(of scalar: Unicode.Scalar) -> Int {
        switch self {
        case .utf8: return UTF8.width(scalar)
        case .utf16: return UTF16.width(scalar)
        case .utf32: return 1
        }
    }
}
