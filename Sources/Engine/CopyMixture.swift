import Foundation

/// Mixes a greedy decoding's next-token probabilities with a copy of what followed the same tokens earlier in the
/// text at hand: a cache model, as code completion has used since n-gram models (Tu et al., "On the Localness of
/// Software", 2014).
///
/// Code repeats itself across a file and its neighbours: a name defined in another file, a call written the same
/// way twice. A model reads that text in its prompt, but a small one seldom copies from it. Here, when the last
/// `minNgram` or more tokens occurred before, the tokens that followed them (each occurrence of the longest such
/// suffix counts once) form a copy distribution, and the token picked is the argmax of
/// `(1 - weight) * p_model + weight * p_copy`. So a copy wins where the model is unsure, never against a confident
/// model: at weight 0.4, with one copy, the model's favourite keeps its place while its probability exceeds the
/// copy's by more than 0.67 (0.4 / 0.6).
public struct CopyMixture: Equatable, Sendable {
    /// Shortest suffix looked up: short ones recur by chance.
    public var minNgram: Int
    /// Longest suffix looked up.
    public var maxNgram: Int
    /// The copy distribution's share of the mixture, in 0...1.
    public var weight: Double

    public init(minNgram: Int = 2, maxNgram: Int = 16, weight: Double = 0.4) {
        precondition(minNgram >= 1 && maxNgram >= minNgram && (0...1).contains(weight),
                     "a copy mixture needs n-grams of at least one token and a weight between 0 and 1")
        self.minNgram = minNgram
        self.maxNgram = maxNgram
        self.weight = weight
    }

    /// How often each token followed the longest suffix of `text` (`minNgram` to `maxNgram` tokens) that occurs
    /// earlier in `text`; empty when none does. Negative ids are separators: they match nothing and are never
    /// proposed. O(text * maxNgram).
    public func continuations(of text: [Int]) -> [Int: Int] {
        for n in stride(from: min(maxNgram, text.count - 1), through: minNgram, by: -1) {
            let suffixStart = text.count - n
            guard !text[suffixStart...].contains(where: { $0 < 0 }) else { continue }
            var counts: [Int: Int] = [:]
            for start in 0..<suffixStart where text[start + n] >= 0 && matches(text, at: start, suffixStart, n) {
                counts[text[start + n], default: 0] += 1
            }
            if !counts.isEmpty { return counts }
        }
        return [:]
    }

    /// The token the mixture ranks first: the model's argmax or one of `continuations`. `logits` is the row the
    /// sampler would see (restricted ones hold minus infinity), so a copy the row rules out is never picked.
    public func choose(logits: ArraySlice<Float>, continuations: [Int: Int]) -> Int {
        let best = Sampler.argmax(logits)
        let total = Double(continuations.values.reduce(0, +))
        // One pass over the row for its log normaliser (a 152k-token vocabulary costs a fraction of a millisecond a
        // pass), then each candidate's probability from its own logit.
        let logNormaliser = Double(logits[logits.startIndex + best]) - Sampler.logProbability(of: best, in: logits)
        func score(_ token: Int) -> Double {
            let model = exp(Double(logits[logits.startIndex + token]) - logNormaliser)
            return (1 - weight) * model + weight * Double(continuations[token] ?? 0) / total
        }
        var chosen = best, chosenScore = score(best)
        // Ascending ids, so equal scores always resolve the same way.
        for token in continuations.keys.sorted() where token != best && token < logits.count {
            guard logits[logits.startIndex + token] > -.infinity else { continue }
            let s = score(token)
            if s > chosenScore { chosen = token; chosenScore = s }
        }
        return chosen
    }

    private func matches(_ text: [Int], at start: Int, _ suffixStart: Int, _ n: Int) -> Bool {
        for i in 0..<n where text[start + i] != text[suffixStart + i] { return false }
        return true
    }
}

/// The text a job's generated tokens continue, for its `CopyMixture`: the prompt's tokens in the order of the
/// text they stand for (another file's chunk, the text after the cursor, then the text before it, which the
/// generated tokens continue), with -1 between parts and in place of control tokens.
public struct CopySource: Sendable {
    public var mixture: CopyMixture
    public var text: [Int]

    public init(mixture: CopyMixture, text: [Int]) {
        self.mixture = mixture
        self.text = text
    }
}
