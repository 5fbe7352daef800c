import Foundation

/// Rotary position embedding in Hugging Face's rotate-half layout: in each head of D values, dimension i and
/// i + D/2 are rotated together by the angle position * inverseFrequencies[i].
public enum Rotary {
    /// The D/2 inverse frequencies theta^(-2i/D), with Llama 3's scaling when `scaling` is given (long wavelengths
    /// divided by the factor, short ones kept, those in between blended), as Hugging Face computes them.
    public static func inverseFrequencies(headSize d: Int, theta: Float, factor: Float? = nil,
                                          lowFrequencyFactor: Float = 1, highFrequencyFactor: Float = 4,
                                          originalContext: Int = 8192) -> [Float] {
        var inv = (0..<d / 2).map { i in Float(1) / Foundation.pow(theta, Float(2 * i) / Float(d)) }
        guard let factor else { return inv }
        let old = Float(originalContext)
        let lowWavelength = old / lowFrequencyFactor, highWavelength = old / highFrequencyFactor
        for i in inv.indices {
            let wavelength = 2 * Float.pi / inv[i]
            if wavelength > lowWavelength {
                inv[i] /= factor
            } else if wavelength >= highWavelength {
                let smooth = (old / wavelength - lowFrequencyFactor) / (highFrequencyFactor - lowFrequencyFactor)
                inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i]
            }
        }
        return inv
    }

    /// The D/2 inverse frequencies theta^(-2i/D), frequency i divided by `factors[i]`, as llama.cpp applies a
    /// GGUF file's `rope_freqs` tensor. `factors` has D/2 entries.
    public static func inverseFrequencies(headSize d: Int, theta: Float, dividedBy factors: [Float]) -> [Float] {
        precondition(factors.count == d / 2, "one factor per rotary frequency")
        return zip(inverseFrequencies(headSize: d, theta: theta), factors).map { $0 / $1 }
    }

    /// Rotates the heads of one token at `position` in place: x is [heads, D]. `inverseFrequencies` has D/2
    /// entries; `scratch` holds D floats (the cosines, then the sines).
    public static func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headSize d: Int, position: Int,
                             inverseFrequencies inv: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let half = d / 2, cos = scratch, sin = scratch + half
        for i in 0..<half {
            // The angle in fp32 as Hugging Face forms it; cos and sin of it in Double, then rounded.
            let angle = Double(Float(position) * inv[i])
            cos[i] = Float(Foundation.cos(angle)); sin[i] = Float(Foundation.sin(angle))
        }
        for h in 0..<heads {
            let a = x + h * d, b = a + half
            for i in 0..<half {
                let x0 = a[i], x1 = b[i]
                a[i] = x0 * cos[i] - x1 * sin[i]
                b[i] = x1 * cos[i] + x0 * sin[i]
            }
        }
    }

    /// The naive twin: one head at a time, the rotation written as rotate_half(x) * sin + x * cos, in Double.
    static func applyNaive(_ x: UnsafeMutablePointer<Float>, heads: Int, headSize d: Int, position: Int,
                           inverseFrequencies inv: [Float]) {
        let half = d / 2
        for h in 0..<heads {
            let head = (0..<d).map { Double(x[h * d + $0]) }
            for i in 0..<d {
                let angle = Double(Float(position) * inv[i % half])
                let rotated = i < half ? -head[i + half] : head[i - half]
                x[h * d + i] = Float(head[i] * Foundation.cos(angle) + rotated * Foundation.sin(angle))
            }
        }
    }
}
