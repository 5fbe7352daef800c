/// One row of a forward step: the new tokens of one sequence, where they start, and where its keys and values live.
public struct StepRow: Sendable {
    /// Which positions' outputs the caller wants back.
    public enum Outputs: Equatable, Sendable {
        case none
        /// The last position: the next-token logits (or a classifier's label logits).
        case last
        /// The last `n` positions, oldest first: used to score continuations.
        case lastPositions(Int)
    }

    /// [T] the tokens to compute.
    public var tokens: [Int]
    /// Position of `tokens[0]`; the cache already holds positions 0..<startPosition.
    public var startPosition: Int
    /// Block ids holding positions 0..<startPosition + T, in order.
    public var blockTable: [Int]
    public var outputs: Outputs

    public init(tokens: [Int], startPosition: Int, blockTable: [Int], outputs: Outputs) {
        self.tokens = tokens
        self.startPosition = startPosition
        self.blockTable = blockTable
        self.outputs = outputs
    }
}

/// What the engine needs from a model: a batched forward pass over a paged key/value cache.
///
/// Threading: called from the engine's thread only.
public protocol StepModel: AnyObject {
    /// Longest sequence the model can attend over (GPT-2's learned positions).
    var contextLength: Int { get }
    /// Width of one output row: the vocabulary for a language model, the labels for a classifier.
    var outputWidth: Int { get }
    /// Positions per KV block.
    var blockSize: Int { get }
    /// Number of KV blocks in the model's pool.
    var blockCapacity: Int { get }
    /// Bytes of keys and values one block holds (all layers).
    var bytesPerBlock: Int { get }

    /// Computes all rows in one pass (one matrix product per weight) and returns, for each row, its requested
    /// outputs as `[positions * outputWidth]` floats (empty for `.none`): slices of one buffer, not a copy per row,
    /// since a row of logits is a vocabulary wide and the engine only reads it. A position's outputs must not
    /// depend on how many positions its row computes: a decode row that carries a prompt-lookup draft is checked
    /// against the outputs a one-token row would have given.
    func forward(_ rows: [StepRow]) throws -> [ArraySlice<Float>]

    /// Copies the keys and values of the first `positions` positions of block `source` into block `destination`.
    func copyBlock(from source: Int, to destination: Int, positions: Int)

    /// Returns the memory of block `block` to the system: its contents are no longer needed (another model of a
    /// shared budget needs the memory).
    func discardBlock(_ block: Int)
}

extension StepModel {
    /// Models whose blocks cost no memory of their own (scripted test models) have nothing to return.
    public func discardBlock(_ block: Int) {}
}
