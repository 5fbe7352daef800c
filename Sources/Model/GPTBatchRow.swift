/// One row of a batch: the new tokens of one sequence, the position of the first, and its KV block table.
public struct GPTBatchRow: Sendable {
    public var tokens: [Int]
    public var startPosition: Int
    /// Block indices in a `KVBlockPool`, covering positions 0..<startPosition + tokens.count.
    public var blockTable: [Int]
    /// How many of the row's last positions to return outputs for: 1 (the next-token logits) by default, 0 for a
    /// prefill chunk whose outputs nobody reads, more to score a continuation.
    public var outputCount: Int

    public init(tokens: [Int], startPosition: Int, blockTable: [Int], outputCount: Int = 1) {
        self.tokens = tokens; self.startPosition = startPosition; self.blockTable = blockTable
        self.outputCount = outputCount
    }
}

/// Output rows of a forward pass: [rows, width] floats, row-major.
public struct GPTLogits: Sendable {
    public let width: Int
    public var values: [Float]
    public var rowCount: Int { width == 0 ? 0 : values.count / width }
    public subscript(row: Int) -> ArraySlice<Float> { values[row * width..<(row + 1) * width] }
}
