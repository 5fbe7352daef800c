import Kernels

extension ForwardPass {
    /// y = norm(x) over the channels of `rows` rows ([rows, C]; x and y may be the same buffer).
    func norm(_ w: NormWeights, _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        switch config.architecture.norm {
        case .layerNorm:
            LayerNorm.apply(x, rows: rows, channels: config.nEmbd, gain: w.gain, bias: w.bias!,
                            epsilon: config.layerNormEpsilon, into: y)
        case .rmsNorm(let epsilon):
            RMSNorm.apply(x, rows: rows, channels: config.nEmbd, gain: w.gain, epsilon: epsilon, into: y)
        }
    }
}
