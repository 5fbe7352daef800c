import Foundation

/// Picks the next token from logits: greedy, or sampled with temperature, top-k and top-p, seeded.
///
/// The random numbers come from our own SplitMix64 generator, so a seed gives the same tokens on every platform
/// and every run. Each sequence owns a copy (it is a value type with its generator state inside).
public struct Sampler: Sendable, Equatable {
    /// 0 means greedy: always the most likely token.
    public var temperature: Double
    /// Keep only the `topK` most likely tokens (0: all).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches `topP` (1: all).
    public var topP: Double
    private var state: UInt64

    public init(temperature: Double = 0, topK: Int = 0, topP: Double = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.state = seed
    }

    /// [V] logits -> a token id.
    public mutating func pick(_ logits: ArraySlice<Float>) -> Int {
        precondition(!logits.isEmpty)
        if temperature <= 0 { return Sampler.argmax(logits) }
        // Candidates sorted by logit, best first; ties keep the lower id, so results do not depend on sort stability.
        var candidates = logits.indices.map { ($0 - logits.startIndex, Double(logits[$0])) }
        candidates.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        if topK > 0 && topK < candidates.count { candidates.removeSubrange(topK...) }
        let best = candidates[0].1
        var weights = candidates.map { exp(($0.1 - best) / temperature) }
        let total = weights.reduce(0, +)
        if topP < 1 {
            var cumulative = 0.0
            var keep = 0
            while keep < weights.count {
                cumulative += weights[keep] / total
                keep += 1
                if cumulative >= topP { break }
            }
            weights.removeSubrange(keep...)
        }
        let mass = weights.reduce(0, +)
        var target = nextUnit() * mass
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return candidates[index].0 }
        }
        return candidates[weights.count - 1].0
    }

    /// The index of the largest logit (the lowest index among equals).
    public static func argmax(_ logits: ArraySlice<Float>) -> Int {
        var best = logits.startIndex
        for index in logits.indices where logits[index] > logits[best] { best = index }
        return best - logits.startIndex
    }

    /// log softmax(logits)[token], computed stably in Double.
    public static func logProbability(of token: Int, in logits: ArraySlice<Float>) -> Double {
        let maximum = Double(logits.max()!)
        var sum = 0.0
        for value in logits { sum += exp(Double(value) - maximum) }
        return Double(logits[logits.startIndex + token]) - maximum - log(sum)
    }

    /// A uniform number in [0, 1) from SplitMix64.
    private mutating func nextUnit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1.0p-53
    }
}
