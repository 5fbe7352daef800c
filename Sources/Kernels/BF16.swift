/// bfloat16: the upper 16 bits of an IEEE float (8 exponent bits, 7 mantissa bits).
///
/// The kernels round in C when they pack bf16 panels and activations; these are their naive twins, one value at a
/// time.
enum BF16 {
    /// fp32 to bf16, rounding to nearest even on the bit pattern (NaN stays NaN, quiet, sign kept).
    static func roundNaive(_ value: Float) -> UInt16 {
        if value.isNaN { return UInt16(value.bitPattern >> 16) | 0x40 }
        let bits = value.bitPattern
        let lower = bits & 0xffff, upper = bits >> 16
        let roundUp = lower > 0x8000 || (lower == 0x8000 && upper & 1 == 1)
        return UInt16(truncatingIfNeeded: upper &+ (roundUp ? 1 : 0))
    }

    /// bf16 to fp32, exact.
    static func widenNaive(_ value: UInt16) -> Float { Float(bitPattern: UInt32(value) << 16) }
}
