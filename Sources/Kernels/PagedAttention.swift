import Dispatch
import Foundation

/// Where one layer's keys and values live in a paged KV cache.
///
/// Block `b` holds `blockSize` token slots; the key of slot `s` is the C floats at
/// `keys + b * blockStride + s * channels`, its value likewise from `values`.
public struct PagedKV {
    public var keys: UnsafeMutablePointer<Float>
    public var values: UnsafeMutablePointer<Float>
    public var blockStride: Int
    public var blockSize: Int
    public var channels: Int

    public init(keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>, blockStride: Int,
                blockSize: Int, channels: Int) {
        self.keys = keys; self.values = values; self.blockStride = blockStride
        self.blockSize = blockSize; self.channels = channels
    }

    @inline(__always) public func key(_ position: Int, _ table: UnsafePointer<Int32>) -> UnsafeMutablePointer<Float> {
        keys + Int(table[position / blockSize]) * blockStride + (position % blockSize) * channels
    }

    @inline(__always) public func value(_ position: Int, _ table: UnsafePointer<Int32>) -> UnsafeMutablePointer<Float> {
        values + Int(table[position / blockSize]) * blockStride + (position % blockSize) * channels
    }
}

/// Causal multi-head attention of a few new tokens of one sequence against that sequence's paged KV cache.
public enum PagedAttention {
    /// q: [T, qStride] with head h at columns h*D..<(h+1)*D; out: [T, C]. Query t sits at position start + t and
    /// sees positions 0...start+t, whose K/V must already be in the cache. Splits (token, head) pairs over threads.
    public static func attend(queries q: UnsafePointer<Float>, queryStride: Int, tokens t: Int, start: Int,
                              heads h: Int, headSize d: Int, cache: PagedKV, blockTable: UnsafePointer<Int32>,
                              into out: UnsafeMutablePointer<Float>, outStride: Int, threads: Int = 2) {
        let items = t * h
        let parts = items >= 2 && threads > 1 ? threads : 1
        let scale = 1 / Float(d).squareRoot()
        let body = { (part: Int) in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: start + t + 16)
            defer { scores.deallocate() }
            var item = part
            while item < items {
                let ti = item / h, head = item % h
                let n = start + ti + 1
                let qh = q + ti * queryStride + head * d
                for p in 0..<n { scores[p] = dot(qh, cache.key(p, blockTable) + head * d, d) * scale }
                Softmax.apply(scores, count: n)
                let oh = out + ti * outStride + head * d
                for i in 0..<d { oh[i] = 0 }
                for p in 0..<n { axpy(scores[p], cache.value(p, blockTable) + head * d, oh, d) }
                item += parts
            }
        }
        if parts == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: body) }
    }

    @inline(__always) static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        typealias V = VectorMath.Vector
        let ar = UnsafeRawPointer(a), br = UnsafeRawPointer(b)
        var acc = V(), i = 0
        while i + 16 <= n {
            acc += ar.loadUnaligned(fromByteOffset: i * 4, as: V.self) * br.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            i += 16
        }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    @inline(__always) static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                       _ n: Int) {
        typealias V = VectorMath.Vector
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 16 <= n {
            let v = yr.loadUnaligned(fromByteOffset: i * 4, as: V.self)
                + alpha * xr.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            yr.storeBytes(of: v, toByteOffset: i * 4, as: V.self)
            i += 16
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    /// The naive twin: gathers the sequence's K/V into plain arrays and computes in Double.
    public static func attendNaive(queries q: UnsafePointer<Float>, queryStride: Int, tokens t: Int, start: Int,
                                   heads h: Int, headSize d: Int, cache: PagedKV, blockTable: UnsafePointer<Int32>,
                                   into out: UnsafeMutablePointer<Float>, outStride: Int) {
        let total = start + t
        var keys = [[Float]](), values = [[Float]]()
        for p in 0..<total {
            keys.append(Array(UnsafeBufferPointer(start: cache.key(p, blockTable), count: cache.channels)))
            values.append(Array(UnsafeBufferPointer(start: cache.value(p, blockTable), count: cache.channels)))
        }
        for ti in 0..<t {
            for head in 0..<h {
                let n = start + ti + 1
                var s = [Double](repeating: 0, count: n)
                for p in 0..<n {
                    var acc = 0.0
                    for i in 0..<d { acc += Double(q[ti * queryStride + head * d + i]) * Double(keys[p][head * d + i]) }
                    s[p] = acc / Double(d).squareRoot()
                }
                let m = s.max()!
                let e = s.map { Foundation.exp($0 - m) }
                let z = e.reduce(0, +)
                for i in 0..<d {
                    var acc = 0.0
                    for p in 0..<n { acc += e[p] / z * Double(values[p][head * d + i]) }
                    out[ti * outStride + head * d + i] = Float(acc)
                }
            }
        }
    }
}
