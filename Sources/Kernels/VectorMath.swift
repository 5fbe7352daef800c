/// Vectorised elementwise functions shared by the kernels: exp and tanh over SIMD16 lanes.
///
/// `exp` is the Cephes single-precision polynomial (relative error about 2e-7), good enough for softmax and GELU at
/// the 1e-4 logit tolerance and an order of magnitude faster than calling `expf` per element.
public enum VectorMath {
    public typealias Vector = SIMD16<Float>

    /// e^x per lane; inputs are clamped to [-87.3, 88.3] so the result stays finite and normal.
    @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        let clamped = x.clamped(lowerBound: Vector(repeating: -87.3), upperBound: Vector(repeating: 88.3))
        let n = (clamped * 1.44269504088896341).rounded(.toNearestOrEven)
        var r = clamped - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * r * r + r + 1
        let exponent = (SIMD16<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
        return y * unsafeBitCast(exponent, to: Vector.self)
    }

    /// tanh(x) = 1 - 2 / (e^(2x) + 1); absolute error about 1e-7.
    @inline(__always)
    public static func tanh(_ x: Vector) -> Vector {
        1 - 2 / (exp(2 * x) + 1)
    }

    /// Horizontal sum of the lanes.
    @inline(__always)
    public static func sum(_ x: Vector) -> Float { x.sum() }
}
