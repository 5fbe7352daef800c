import Foundation

/// Numerically stable softmax over one vector, in place.
public enum Softmax {
    public static func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = VectorMath.Vector
        let raw = UnsafeMutableRawPointer(x)
        var m = -Float.infinity
        for i in 0..<count { m = max(m, x[i]) }
        var sumV = V(), i = 0
        while i + 16 <= count {
            let e = VectorMath.exp(raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) - m)
            raw.storeBytes(of: e, toByteOffset: i * 4, as: V.self)
            sumV += e; i += 16
        }
        var sum = sumV.sum()
        while i < count {
            var tail = V(repeating: -100)
            tail[0] = x[i] - m
            let e = VectorMath.exp(tail)[0]
            x[i] = e; sum += e; i += 1
        }
        let inv = 1 / sum
        for j in 0..<count { x[j] *= inv }
    }

    /// The naive twin with `expf` and a Double sum.
    public static func applyNaive(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var m = -Float.infinity
        for i in 0..<count { m = max(m, x[i]) }
        var sum = 0.0
        for i in 0..<count { x[i] = Foundation.exp(x[i] - m); sum += Double(x[i]) }
        for i in 0..<count { x[i] = Float(Double(x[i]) / sum) }
    }
}
