import Engine
import Model

/// A `GPTModel` with its own KV block pool, as the engine drives it.
///
/// Threading: engine thread only (the pool is not thread-safe).
final class GPTStepModel: StepModel {
    let model: GPTModel
    let pool: KVBlockPool

    /// A model whose KV cache holds at most `cacheBytes` (at least one block). Only blocks written cost memory, so
    /// every model of a shared budget gets a pool of the whole budget.
    convenience init(model: GPTModel, cacheBytes: Int, blockSize: Int = 16) {
        // Keys and values in bf16 along with bf16 weights: half the bytes per block and per attention read.
        self.init(model: model, pool: KVBlockPool(for: model, blockSize: blockSize, byteBudget: cacheBytes))
    }

    /// A model whose keys and values live in `pool` (made for this model's layers and width).
    init(model: GPTModel, pool: KVBlockPool) {
        self.model = model
        self.pool = pool
    }

    var contextLength: Int { model.config.nPositions }
    var outputWidth: Int { model.outputWidth }
    var blockSize: Int { pool.blockSize }
    var blockCapacity: Int { pool.capacity }
    var bytesPerBlock: Int { pool.blockBytes }

    func forward(_ rows: [StepRow]) throws -> [ArraySlice<Float>] {
        let counts = rows.map { row -> Int in
            switch row.outputs {
            case .none: return 0
            case .last: return 1
            case .lastPositions(let n): return n
            }
        }
        let batch = zip(rows, counts).map { row, count in
            GPTBatchRow(tokens: row.tokens, startPosition: row.startPosition, blockTable: row.blockTable,
                        outputCount: count)
        }
        let logits = try model.forward(batch, cache: pool)
        // Split the [sum of counts, width] outputs back into rows.
        var start = 0
        return counts.map { count in
            defer { start += count }
            return logits.values[(start * logits.width)..<((start + count) * logits.width)]
        }
    }

    func copyBlock(from source: Int, to destination: Int, positions: Int) {
        pool.copy(block: source, to: destination, positions: positions)
    }

    func discardBlock(_ block: Int) {
        pool.discard(block: block)
    }
}
