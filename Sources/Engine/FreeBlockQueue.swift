/// Unreferenced blocks that still hold cached content, in the order they are evicted: a doubly linked list threaded
/// through the block ids, as vLLM's `FreeKVCacheBlockQueue`.
///
/// The structure keeps the eviction order, so taking the next victim is O(1), not a scan of the pool:
/// 1. The least recently used block (freed, or looked up as a copy source) is at the front.
/// 2. Blocks freed together (one sequence's table) enter deepest first, so a prefix's end goes before its beginning.
///
/// A cached block that a new prompt takes again leaves from the middle in O(1) (`remove`). Every operation is O(1);
/// the links cost two integers per block of the pool.
///
/// Threading: not thread-safe; owned by its `BlockPool` on the engine thread.
struct FreeBlockQueue: Sequence {
    /// Links of block b at index b; index `capacity` is the sentinel that closes the ring (its next is the front, its
    /// previous the back). A block not in the queue links to `absent`.
    private var next: [Int]
    private var previous: [Int]
    private let sentinel: Int
    private static let absent = -1
    private(set) var count = 0

    /// An empty queue for the blocks 0..<capacity.
    init(capacity: Int) {
        sentinel = capacity
        next = Array(repeating: Self.absent, count: capacity + 1)
        previous = next
        next[sentinel] = sentinel
        previous[sentinel] = sentinel
    }

    var isEmpty: Bool { count == 0 }

    /// The block to evict next.
    var first: Int? { isEmpty ? nil : next[sentinel] }

    /// The block to evict next other than `excluded` (the source of a pending copy): the front, or the one after it.
    func first(excluding excluded: Int?) -> Int? {
        guard let front = first else { return nil }
        guard front == excluded else { return front }
        let second = next[front]
        return second == sentinel ? nil : second
    }

    func contains(_ block: Int) -> Bool { next[block] != Self.absent }

    /// Puts a block at the back: the most recently used.
    mutating func append(_ block: Int) {
        precondition(!contains(block), "block \(block) is already in the free queue")
        let last = previous[sentinel]
        next[last] = block
        previous[block] = last
        next[block] = sentinel
        previous[sentinel] = block
        count += 1
    }

    /// Takes a block out from wherever it is.
    mutating func remove(_ block: Int) {
        precondition(contains(block), "block \(block) is not in the free queue")
        next[previous[block]] = next[block]
        previous[next[block]] = previous[block]
        next[block] = Self.absent
        previous[block] = Self.absent
        count -= 1
    }

    /// Takes the front block out.
    mutating func popFirst() -> Int? {
        guard let front = first else { return nil }
        remove(front)
        return front
    }

    /// Front to back: the order of eviction.
    func makeIterator() -> AnyIterator<Int> {
        var block = next[sentinel]
        return AnyIterator { [next, sentinel] in
            guard block != sentinel else { return nil }
            defer { block = next[block] }
            return block
        }
    }
}
