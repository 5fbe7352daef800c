import Foundation
import Kernels

/// Picks the next token from a row of logits: greedy, or temperature + top-k + top-p sampling from a seeded PRNG.
///
/// The generator is SplitMix64 with our own float conversion, so a seed gives the same tokens on every platform.
/// A value type; each sequence owns its own sampler. Complexity O(V log V) when top-k/top-p sort, O(V) otherwise.
public struct Sampler: Sendable {
    public struct Parameters: Equatable, Sendable {
        /// 0 means greedy (argmax).
        public var temperature: Float
        /// 0 means no top-k cut.
        public var topK: Int
        /// 1 means no nucleus cut.
        public var topP: Float
        public var seed: UInt64

        public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, seed: UInt64 = 0) {
            self.temperature = temperature; self.topK = topK; self.topP = topP; self.seed = seed
        }
    }

    public let parameters: Parameters
    private var state: UInt64

    public init(_ parameters: Parameters = Parameters()) {
        self.parameters = parameters
        state = parameters.seed
    }

    /// SplitMix64.
    public mutating func nextUInt64() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func nextUnit() -> Double { Double(nextUInt64() >> 11) * 0x1p-53 }

    public mutating func sample(_ logits: some Collection<Float>) -> Int {
        let values = Array(logits)
        precondition(!values.isEmpty, "sampling needs at least one logit")
        if parameters.temperature <= 0 { return Sampler.argmax(values) }
        var order = Array(values.indices)
        if parameters.topK > 0 || parameters.topP < 1 {
            order.sort { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
            if parameters.topK > 0 { order = Array(order.prefix(parameters.topK)) }
        }
        let top = order.map { values[$0] }.max()!
        var weights = order.map { Foundation.exp(Double(values[$0] - top) / Double(parameters.temperature)) }
        if parameters.topP < 1 {
            let total = weights.reduce(0, +)
            var cumulative = 0.0, keep = 0
            for w in weights {
                cumulative += w / total
                keep += 1
                if cumulative >= Double(parameters.topP) { break }
            }
            order = Array(order.prefix(keep)); weights = Array(weights.prefix(keep))
        }
        let total = weights.reduce(0, +)
        var r = nextUnit() * total
        for (i, w) in zip(order, weights) {
            r -= w
            if r < 0 { return i }
        }
        return order.last!
    }

    public static func argmax(_ values: some Collection<Float>) -> Int {
        var best = 0, bestValue = -Float.infinity, i = 0
        for v in values {
            if v > bestValue { best = i; bestValue = v }
            i += 1
        }
        return best
    }

    /// log softmax(logits)[token]: the exponentials with the vectorised kernel (relative error about 2e-7, so the
    /// result is within about 1e-6), summed in Double. The engine calls this for every generated token, so it must
    /// cost microseconds, not the half millisecond of 50257 scalar `exp` calls.
    public static func logProbability(of token: Int, in logits: some Collection<Float>) -> Double {
        var values = Array(logits)
        let m = values.max()!, target = values[token]
        values.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] -= m }
            VectorMath.exp(buffer.baseAddress!, count: buffer.count)
        }
        let z = values.reduce(0.0) { $0 + Double($1) }
        return Double(target) - Double(m) - Foundation.log(z)
    }
}

/// Text-level stop rules: the detokenized continuation is checked after each token.
public enum StopCheck {
    /// The end of the text to keep: the start of the earliest stop string found, or nil when none occurs.
    public static func cut(_ text: String, stops: [String]) -> String.Index? {
        stops.filter { !$0.isEmpty }.compactMap { text.range(of: $0)?.lowerBound }.min()
    }

    /// Whether generation ends at `token` (the end-of-text token of the model, when it has one).
    public static func isEnd(_ token: Int, eos: Int?) -> Bool { token == eos }
}
