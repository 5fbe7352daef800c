/// One sequence with its own KV blocks: append tokens, get the logits of the last one. For tests and the CLI.
///
/// Frees its blocks when released. Threading rule: like the pool, use from one thread.
public final class GPTSession {
    public let model: GPTModel
    public let pool: KVSessionPool
    public private(set) var tokens: [Int] = []
    public private(set) var blockTable: [Int] = []

    public init(model: GPTModel, pool: KVSessionPool) {
        self.model = model
        self.pool = pool
    }

    deinit { blockTable.forEach(pool.free) }

    /// The row that would append `newTokens`, allocating the blocks it needs.
    public func row(appending newTokens: [Int]) throws -> GPTBatchRow {
        let needed = pool.blocksNeeded(forTokens: tokens.count + newTokens.count)
        while blockTable.count < needed {
            guard let block = pool.allocate() else {
                throw GPTError.invalidInput(reason: "the KV pool of \(pool.capacity) blocks is exhausted")
            }
            blockTable.append(block)
        }
        return GPTBatchRow(tokens: newTokens, startPosition: tokens.count, blockTable: blockTable)
    }

    /// Records tokens whose K/V a forward pass has written (after `row(appending:)` + `forward`).
    public func commit(_ newTokens: [Int]) { tokens += newTokens }

    /// Runs `newTokens` and returns the output row of the last one ([width]).
    public func append(_ newTokens: [Int]) throws -> [Float] {
        let row = try row(appending: newTokens)
        let logits = try model.forward([row], cache: pool)
        commit(newTokens)
        return Array(logits[0])
    }
}
