import CKernels

/// bfloat16: the upper 16 bits of an IEEE float (8 exponent bits, 7 mantissa bits).
public enum BF16 {
    /// fp32 to bf16, rounding to nearest even (NaN stays NaN). C kernel.
    public static func round(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<UInt16>,
                             count: Int) {
        gk_f32_to_bf16(source, destination, count)
    }

    /// bf16 to fp32, exact. C kernel.
    public static func widen(_ source: UnsafePointer<UInt16>, into destination: UnsafeMutablePointer<Float>,
                             count: Int) {
        gk_bf16_to_f32(source, destination, count)
    }

    /// The naive twin of `round`: one value, round to nearest even on the bit pattern.
    public static func roundNaive(_ value: Float) -> UInt16 {
        if value.isNaN { return UInt16(value.bitPattern >> 16) | 0x40 }
        let bits = value.bitPattern
        let lower = bits & 0xffff, upper = bits >> 16
        let roundUp = lower > 0x8000 || (lower == 0x8000 && upper & 1 == 1)
        return UInt16(truncatingIfNeeded: upper &+ (roundUp ? 1 : 0))
    }

    /// The naive twin of `widen`.
    public static func widenNaive(_ value: UInt16) -> Float { Float(bitPattern: UInt32(value) << 16) }
}
