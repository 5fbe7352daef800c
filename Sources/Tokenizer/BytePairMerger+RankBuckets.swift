extension BytePairMerger {
    /// Merges all pairs of the lowest rank present, left to right, then the next rank, and so on. Returns false, with
    /// `output` untouched, if a merge creates a pair whose rank is not higher than the one being merged (then the
    /// order of merges would differ from the lowest-rank-first rule).
    func mergeByRankBuckets(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [Int]) -> Bool {
        let n = piece.count
        if n < 2 {
            mergeByScanning(piece, into: &output)
            return true
        }
        let end = UInt32(n)
        var ids = [UInt32](repeating: 0, count: n)
        var next = [UInt32](repeating: 0, count: n)
        var previous = [UInt32](repeating: end, count: n)
        var buckets = [[UInt32]](repeating: [], count: merges.maxRank + 1)  // rank -> positions of left tokens
        for i in 0..<n {
            ids[i] = byteTokens[Int(piece[i])]
            next[i] = UInt32(i + 1)
            if i > 0 { previous[i] = UInt32(i - 1) }
        }
        for i in 0..<n - 1 {
            let found = pair(ids[i], ids[i + 1])
            if found != UInt64.max { buckets[Int(found >> 32)].append(UInt32(i)) }
        }
        var ranks = MinHeap(capacity: 64)  // ranks that have work, lowest first
        for rank in buckets.indices where !buckets[rank].isEmpty { ranks.push(UInt64(rank)) }
        var monotonic = true
        /// Files the pair starting at `a` under its rank; false if that rank is not above `rank`.
        func file(_ a: UInt32, _ b: UInt32, above rank: Int) -> Bool {
            guard a < end, b < end else { return true }
            let candidate = pair(ids[Int(a)], ids[Int(b)])
            if candidate == UInt64.max { return true }
            let newRank = Int(candidate >> 32)
            if newRank <= rank { return false }
            if buckets[newRank].isEmpty { ranks.push(UInt64(newRank)) }
            buckets[newRank].append(a)
            return true
        }
        while monotonic, let next64 = ranks.pop() {
            let rank = Int(next64)
            var positions: [UInt32] = []
            swap(&positions, &buckets[rank])
            positions.sort()
            for position in positions {
                let left = Int(position)
                guard ids[left] != UInt32.max, next[left] < end else { continue }
                let right = Int(next[left])
                let found = pair(ids[left], ids[right])
                guard found != UInt64.max, Int(found >> 32) == rank else { continue }
                ids[left] = UInt32(truncatingIfNeeded: found)
                ids[right] = UInt32.max
                next[left] = next[right]
                if next[left] < end { previous[Int(next[left])] = UInt32(left) }
                guard file(previous[left], UInt32(left), above: rank), file(UInt32(left), next[left], above: rank) else {
                    monotonic = false
                    break
                }
            }
        }
        if !monotonic { return false }
        var i = 0
        while i < n {
            output.append(Int(ids[i]))
            i = Int(next[i])
        }
        return true
    }
}
