/// Finds added tokens that are not special (Qwen2.5's `<tool_call>`, a GGUF's user-defined tokens) in text: such a
/// token is matched wherever its text occurs, before splitting, as Hugging Face tokenizers and llama.cpp do.
///
/// The leftmost occurrence wins, then the longest. Immutable and thread-safe. Complexity: one table lookup per byte,
/// plus one hash lookup per distinct token length at the bytes that can start a token.
struct AddedTokenMatcher: Sendable {
    /// Token text -> id.
    private let index: ByteSequenceMap
    /// Distinct token lengths in bytes, longest first.
    private let lengths: [Int]
    /// Which bytes start some token.
    private let leads: [Bool]

    var isEmpty: Bool { lengths.isEmpty }

    init(_ tokens: [String: Int]) {
        var index = ByteSequenceMap(minimumCapacity: max(tokens.count, 1))
        var lengths = Set<Int>()
        var leads = [Bool](repeating: false, count: 256)
        for (text, id) in tokens where !text.isEmpty {
            let bytes = Array(text.utf8)
            index.set(Int64(id), for: bytes)
            lengths.insert(bytes.count)
            leads[Int(bytes[0])] = true
        }
        self.index = index
        self.lengths = lengths.sorted(by: >)
        self.leads = leads
    }

    /// The first token at or after `start`: its byte range and id, or nil.
    func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (range: Range<Int>, id: Int)? {
        guard !lengths.isEmpty else { return nil }
        var position = start
        while position < bytes.count {
            if leads[Int(bytes[position])] {
                for length in lengths where position + length <= bytes.count {
                    if let id = index.value(for: UnsafeBufferPointer(rebasing: bytes[position..<position + length])) {
                        return (position..<position + length, Int(id))
                    }
                }
            }
            position += 1
        }
        return nil
    }
}
