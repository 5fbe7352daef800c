import Foundation
import LocalBackend
import Model

extension QualityCommand {
    /// One model's scores on the held-out windows: mean next-token loss (nats), the argmax at every scored
    /// position, and a greedy continuation from each window's first tokens.
    struct Scores {
        var loss: Double
        var argmax: [Int]
        var continuations: [[Int]]

        init(model: GPTModel, windows: [[Int]], greedyTokens: Int) throws {
            let engine = OfflineEngine(model: model, pool: KVBlockPool(for: model, blockSize: 16, byteBudget: 256 << 20))
            var total = 0.0, count = 0
            argmax = []
            continuations = []
            for tokens in windows {
                let logits = try engine.outputs(tokens, positions: tokens.count)
                for position in 0..<(tokens.count - 1) {
                    let row = logits[position]
                    let top = row.max()!
                    let sum = row.reduce(0.0) { $0 + Double(exp($1 - top)) }
                    total += log(sum) + Double(top) - Double(row[row.startIndex + tokens[position + 1]])
                    argmax.append(row.indices.max { row[$0] < row[$1] }! - row.startIndex)
                    count += 1
                }
                // Greedy from the window's first tokens, as far as the context allows.
                let prompt = Array(tokens.prefix(greedyTokens))
                let length = min(greedyTokens, model.config.nPositions - prompt.count)
                continuations.append(try engine.generate(prompt, maxTokens: length).tokens)
            }
            loss = total / Double(count)
        }
    }
}
