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
        precondition(!logits.isEmpty, "sampling needs at least one logit")
        if parameters.temperature <= 0 { return Sampler.argmax(logits) }
        let values = Array(logits)
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

    /// The position of the largest logit, the first of equal ones; 0 when none is above minus infinity.
    public static func argmax(_ values: some Collection<Float>) -> Int {
        if let found = values.withContiguousStorageIfAvailable(argmax(in:)) { return found }
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
        if let value = logits.withContiguousStorageIfAvailable({ logProbability(of: token, in: $0) }) { return value }
        return Array(logits).withUnsafeBufferPointer { logProbability(of: token, in: $0) }
    }

    /// `argmax` in two passes that vectorise, the largest value and then its first position, where one loop that
    /// tracks both does not: the engine scans a whole vocabulary for every token it generates.
    static func argmax(in values: UnsafeBufferPointer<Float>) -> Int {
        let best = largest(values)
        guard best > -.infinity else { return 0 }
        var i = 0
        while i + 16 <= values.count, !any(load16(values, at: i) .== best) { i += 16 }
        while values[i] != best { i += 1 }
        return i
    }

    /// Goes through the row a chunk at a time in a small scratch buffer (no copy of the row) and sums in eight
    /// Double lanes (no chain of 50257 dependent additions).
    static func logProbability(of token: Int, in values: UnsafeBufferPointer<Float>) -> Double {
        let m = largest(values), target = values[token]
        let chunk = 1024  // a multiple of the kernel's vector width, so every element takes the same path
        var lanes = SIMD8<Double>()
        withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk) { scratch in
            var start = 0
            while start < values.count {
                let n = min(chunk, values.count - start)
                var i = 0
                while i + 16 <= n {
                    UnsafeMutableRawPointer(scratch.baseAddress! + i)
                        .storeBytes(of: load16(values, at: start + i) - m, as: SIMD16<Float>.self)
                    i += 16
                }
                while i < n {
                    scratch[i] = values[start + i] - m
                    i += 1
                }
                VectorMath.exp(scratch.baseAddress!, count: n)
                i = 0
                while i + 8 <= n {
                    let exps = UnsafeRawPointer(scratch.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                    lanes += SIMD8<Double>(exps)
                    i += 8
                }
                while i < n {
                    lanes[0] += Double(scratch[i])
                    i += 1
                }
                start += n
            }
        }
        return Double(target) - Double(m) - Foundation.log(lanes.sum())
    }

    /// The largest value, NaNs aside; minus infinity when there is none.
    static func largest(_ values: UnsafeBufferPointer<Float>) -> Float {
        var lanes = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= values.count {
            let chunk = load16(values, at: i)
            lanes.replace(with: chunk, where: lanes .< chunk)
            i += 16
        }
        var best = lanes.max()
        while i < values.count {
            if values[i] > best { best = values[i] }
            i += 1
        }
        return best
    }

    private static func load16(_ values: UnsafeBufferPointer<Float>, at i: Int) -> SIMD16<Float> {
        UnsafeRawPointer(values.baseAddress! + i).loadUnaligned(as: SIMD16<Float>.self)
    }
}
