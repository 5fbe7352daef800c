import Foundation
import Model

extension QualityCommand {
    /// One model's scores on the held-out windows: mean next-token loss (nats), the argmax at every scored
    /// position, and a greedy continuation from each window's first tokens.
    struct Scores {
        var loss: Double
        var argmax: [Int]
        var continuations: [[Int]]

        init(model: GPTModel, windows: [[Int]], greedyTokens: Int) throws {
            let pool = KVSessionPool(for: model, blockSize: 16, byteBudget: 256 << 20)
            var total = 0.0, count = 0
            argmax = []
            continuations = []
            for tokens in windows {
                let session = GPTSession(model: model, pool: pool)
                let logits = try model.forward([try session.row(appending: tokens)], cache: pool, allPositions: true)
                for position in 0..<(tokens.count - 1) {
                    let row = logits[position]
                    let top = row.max()!
                    let sum = row.reduce(0.0) { $0 + Double(exp($1 - top)) }
                    total += log(sum) + Double(top) - Double(row[row.startIndex + tokens[position + 1]])
                    argmax.append(row.indices.max { row[$0] < row[$1] }! - row.startIndex)
                    count += 1
                }
                let greedy = GPTSession(model: model, pool: pool)
                var logitsOfLast = try greedy.append(Array(tokens.prefix(greedyTokens)))
                var generated: [Int] = []
                for _ in 0..<greedyTokens where greedy.tokens.count < model.config.nPositions {
                    let next = logitsOfLast.indices.max { logitsOfLast[$0] < logitsOfLast[$1] }!
                    generated.append(next)
                    logitsOfLast = try greedy.append([next])
                }
                continuations.append(generated)
            }
            loss = total / Double(count)
        }
    }
}
