import Engine

/// A stand-in for a model, for testing scheduling rules without weights.
///
/// Its "keys and values" are the token ids themselves, written into its blocks at their positions; the output of a
/// position is derived from every token it can see through the row's block table. So a block table that points
/// at the wrong blocks, a cached block with other tokens in it, or a position computed twice gives other outputs,
/// just as a real model would, while each step costs microseconds.
///
/// The next token after a history is `(sum of its tokens * 31 + length) % outputWidth` (greedy), or what `rule`
/// says when one is given, with a margin that makes every log-probability finite.
final class ScriptedStepModel: StepModel {
    let contextLength: Int
    let outputWidth: Int
    let blockSize: Int
    let blockCapacity: Int
    let bytesPerBlock = 1

    /// [blockCapacity][blockSize] token per cached position; -1 where nothing was written.
    private var blocks: [[Int]]

    /// The next token after a history, in place of the default sum rule (text that repeats, for drafting).
    private let rule: (@Sendable ([Int]) -> Int)?

    init(contextLength: Int = 256, outputWidth: Int = 64, blockSize: Int = 16, blocks: Int = 64,
         rule: (@Sendable ([Int]) -> Int)? = nil) {
        self.rule = rule
        self.contextLength = contextLength
        self.outputWidth = outputWidth
        self.blockSize = blockSize
        self.blockCapacity = blocks
        self.blocks = Array(repeating: Array(repeating: -1, count: blockSize), count: blocks)
    }

    /// Most tokens any one forward pass computed.
    private(set) var largestStep = 0
    /// The tokens of every forward pass, in order.
    private(set) var steps: [Int] = []

    /// Called with each forward pass's token count (a test's clock advances by what the step would cost).
    var onForward: ((Int) -> Void)?

    func forward(_ rows: [StepRow]) throws -> [ArraySlice<Float>] {
        let tokens = rows.reduce(0) { $0 + $1.tokens.count }
        largestStep = max(largestStep, tokens)
        steps.append(tokens)
        onForward?(tokens)
        for row in rows {
            for (offset, token) in row.tokens.enumerated() {
                let position = row.startPosition + offset
                blocks[row.blockTable[position / blockSize]][position % blockSize] = token
            }
        }
        return rows.map { row in
            let end = row.startPosition + row.tokens.count
            let count: Int
            switch row.outputs {
            case .none: count = 0
            case .last: count = 1
            case .lastPositions(let n): count = n
            }
            let outputs = ((end - count)..<end).flatMap { logits(after: history(row.blockTable, through: $0)) }
            return outputs[...]
        }
    }

    func copyBlock(from source: Int, to destination: Int, positions: Int) {
        for position in 0..<positions { blocks[destination][position] = blocks[source][position] }
    }

    /// The tokens at positions 0...position, read back through the block table.
    private func history(_ table: [Int], through position: Int) -> [Int] {
        (0...position).map { blocks[table[$0 / blockSize]][$0 % blockSize] }
    }

    /// [V] logits whose argmax is `nextToken(after:)`.
    func logits(after history: [Int]) -> [Float] {
        var row = [Float](repeating: 0, count: outputWidth)
        row[nextToken(after: history)] = 8
        return row
    }

    func nextToken(after history: [Int]) -> Int {
        if let rule { return rule(history) % outputWidth }
        return (history.reduce(0, +) * 31 + history.count) % outputWidth
    }

    /// The greedy continuation of `prompt`: what the engine must produce, cached or not, batched or not.
    func greedy(_ prompt: [Int], tokens: Int) -> [Int] {
        var history = prompt
        for _ in 0..<tokens { history.append(nextToken(after: history)) }
        return Array(history.dropFirst(prompt.count))
    }
}
