/// Layer normalisation over the last axis: y = (x - mean) / sqrt(var + eps) * gain + bias (biased variance).
public enum LayerNorm {
    /// x, y: [N, C] (may be the same buffer); gain, bias: [C].
    public static func apply(_ x: UnsafePointer<Float>, rows n: Int, channels c: Int,
                             gain: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float,
                             into y: UnsafeMutablePointer<Float>) {
        typealias V = VectorMath.Vector
        let gr = UnsafeRawPointer(gain), br = UnsafeRawPointer(bias)
        for row in 0..<n {
            let xr = UnsafeRawPointer(x + row * c), yr = UnsafeMutableRawPointer(y + row * c)
            let xs = x + row * c, ys = y + row * c
            var sum = V(), i = 0
            while i + 16 <= c { sum += xr.loadUnaligned(fromByteOffset: i * 4, as: V.self); i += 16 }
            var total = sum.sum()
            while i < c { total += xs[i]; i += 1 }
            let mean = total / Float(c)
            var sq = V(); i = 0
            while i + 16 <= c {
                let d = xr.loadUnaligned(fromByteOffset: i * 4, as: V.self) - mean
                sq += d * d; i += 16
            }
            var variance = sq.sum()
            while i < c { let d = xs[i] - mean; variance += d * d; i += 1 }
            let inv = 1 / (variance / Float(c) + epsilon).squareRoot()
            i = 0
            while i + 16 <= c {
                let v = (xr.loadUnaligned(fromByteOffset: i * 4, as: V.self) - mean) * inv
                let out = v * gr.loadUnaligned(fromByteOffset: i * 4, as: V.self)
                    + br.loadUnaligned(fromByteOffset: i * 4, as: V.self)
                yr.storeBytes(of: out, toByteOffset: i * 4, as: V.self)
                i += 16
            }
            while i < c { ys[i] = (xs[i] - mean) * inv * gain[i] + bias[i]; i += 1 }
        }
    }

    /// The naive twin, in Double for the statistics.
    public static func applyNaive(_ x: UnsafePointer<Float>, rows n: Int, channels c: Int,
                                  gain: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float,
                                  into y: UnsafeMutablePointer<Float>) {
        for row in 0..<n {
            var mean = 0.0
            for i in 0..<c { mean += Double(x[row * c + i]) }
            mean /= Double(c)
            var variance = 0.0
            for i in 0..<c { let d = Double(x[row * c + i]) - mean; variance += d * d }
            variance /= Double(c)
            let inv = 1 / (variance + Double(epsilon)).squareRoot()
            for i in 0..<c {
                y[row * c + i] = Float((Double(x[row * c + i]) - mean) * inv) * gain[i] + bias[i]
            }
        }
    }
}
