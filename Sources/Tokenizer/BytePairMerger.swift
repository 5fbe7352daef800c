/// Byte-pair merging of one pre-token: start from one token per byte, then repeatedly merge the adjacent pair with the
/// lowest rank (the leftmost one on ties) until no adjacent pair has a merge.
///
/// Three twins give the same result: `mergeByScanning` rescans the pairs after each merge (O(n²), fastest for the
/// short pieces of ordinary text); `mergeWithHeap` keeps the pairs in a min-heap over a linked list (O(n log n), any
/// vocabulary); `mergeByRankBuckets` handles one rank at a time over the linked list (near-linear, and much lighter on
/// memory traffic than a heap of tens of millions of entries), which is exact when every merge only creates pairs of
/// higher rank, as in any trained BPE; it gives up (returns false) on a vocabulary where that does not hold.
/// Long pieces (a 50 MB run of one letter) use the buckets, falling back to the heap. Scratch memory is about
/// 25 bytes per byte of a long piece. Immutable and thread-safe.
struct BytePairMerger: Sendable {
    /// Pieces longer than this use the heap.
    static let scanLimit = 128

    /// `(left << 32 | right)` -> `(rank << 32 | merged)`.
    let merges: PairTable
    /// The token of each byte.
    let byteTokens: [UInt32]

    /// Appends the tokens of `piece` to `output`.
    func merge(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        if piece.count <= Self.scanLimit {
            mergeByScanning(piece, into: &output)
        } else if !mergeByRankBuckets(piece, into: &output) {
            mergeWithHeap(piece, into: &output)
        }
    }

    /// `rank << 32 | merged` of the pair, or `UInt64.max` if the pair has no merge.
    @inline(__always)
    func pair(_ left: UInt32, _ right: UInt32) -> UInt64 {
        merges.value(UInt64(left) << 32 | UInt64(right))
    }

    func mergeByScanning(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        let n = piece.count
        if n == 0 { return }
        if n == 1 {
            output.append(Int(byteTokens[Int(piece[0])]))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n) { ids in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n) { pairs in
                for i in 0..<n { ids[i] = byteTokens[Int(piece[i])] }
                var count = n
                for i in 0..<count - 1 { pairs[i] = pair(ids[i], ids[i + 1]) }
                while count > 1 {
                    var best = UInt64.max
                    var at = -1
                    for i in 0..<count - 1 where pairs[i] < best {
                        best = pairs[i]
                        at = i
                    }
                    if at < 0 { break }
                    ids[at] = UInt32(truncatingIfNeeded: best)
                    var i = at + 1
                    while i < count - 1 {
                        ids[i] = ids[i + 1]
                        pairs[i] = pairs[i + 1]
                        i += 1
                    }
                    count -= 1
                    if at > 0 { pairs[at - 1] = pair(ids[at - 1], ids[at]) }
                    if at < count - 1 { pairs[at] = pair(ids[at], ids[at + 1]) }
                }
                for i in 0..<count { output.append(Int(ids[i])) }
            }
        }
    }

    func mergeWithHeap(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        let n = piece.count
        if n < 2 {
            mergeByScanning(piece, into: &output)
            return
        }
        let end = UInt32(n)  // "no neighbour"
        var ids = [UInt32](repeating: 0, count: n)
        var next = [UInt32](repeating: 0, count: n)
        var previous = [UInt32](repeating: end, count: n)
        // Heap entries are `rank << 32 | position of the left token`: the lowest rank first, then the leftmost.
        // An entry is stale when the pair now at its position has another rank; then it is skipped.
        var heap = MinHeap(capacity: n)
        for i in 0..<n {
            ids[i] = byteTokens[Int(piece[i])]
            next[i] = UInt32(i + 1)
            if i > 0 { previous[i] = UInt32(i - 1) }
        }
        for i in 0..<n - 1 {
            let found = pair(ids[i], ids[i + 1])
            if found != UInt64.max { heap.push(found & 0xFFFF_FFFF_0000_0000 | UInt64(i)) }
        }
        while let entry = heap.pop() {
            let left = Int(entry & 0xFFFF_FFFF)
            let right = Int(next[left])
            guard right < n, ids[left] != UInt32.max else { continue }
            let found = pair(ids[left], ids[right])
            guard found != UInt64.max, found >> 32 == entry >> 32 else { continue }
            ids[left] = UInt32(truncatingIfNeeded: found)
            ids[right] = UInt32.max  // dead
            next[left] = next[right]
            if next[left] < end { previous[Int(next[left])] = UInt32(left) }
            let before = previous[left]
            if before < end {
                let candidate = pair(ids[Int(before)], ids[left])
                if candidate != UInt64.max { heap.push(candidate & 0xFFFF_FFFF_0000_0000 | UInt64(before)) }
            }
            if next[left] < end {
                let candidate = pair(ids[left], ids[Int(next[left])])
                if candidate != UInt64.max { heap.push(candidate & 0xFFFF_FFFF_0000_0000 | UInt64(left)) }
            }
        }
        var i = 0
        while i < n {
            output.append(Int(ids[i]))
            i = Int(next[i])
        }
    }
}
