import Tokenizer

/// Token healing: continue a prompt that ends inside what would be one token.
///
/// Byte-level BPE merges a newline with the indentation after it ("\n" + "    " is one token) and a word with its
/// leading space. A prompt that ends right after a newline therefore ends with a lone "\n" token, which in training
/// almost always meant "the next line starts at column 0": the model then begins a new top-level line instead of the
/// indented body the user is about to type. Healing takes the last token off the prompt and lets the first generated
/// token be any token whose bytes begin with the removed bytes ("\n", "\n    ", "\n\n", ...); the removed bytes are
/// then cut from the front of the output, so the user sees only what comes after the cursor.
struct TokenHealing: Sendable {
    /// The bytes of each token id; empty for special tokens, which never heal.
    private let bytes: [[UInt8]]
    /// Token ids ordered by their bytes, so the tokens that begin with given bytes form one contiguous run.
    private let sortedIDs: [Int]

    init(tokenizer: BPETokenizer) {
        let specials = Set(tokenizer.specialTokens.values)
        var bytes = [[UInt8]](repeating: [], count: tokenizer.vocabularySize)
        for id in 0..<tokenizer.vocabularySize where !specials.contains(id) {
            bytes[id] = tokenizer.decodeBytes([id])
        }
        self.bytes = bytes
        sortedIDs = bytes.indices.filter { !bytes[$0].isEmpty }
            .sorted { bytes[$0].lexicographicallyPrecedes(bytes[$1]) }
    }

    /// A prompt with its last token taken off, and what the first generated token must begin with.
    struct Plan: Equatable {
        var prompt: [Int]
        /// Bytes the output must begin with (cut from the text shown to the user); empty when nothing was healed.
        var removed: [UInt8]
        /// The tokens the first generated token is chosen from; nil when nothing was healed.
        var firstTokens: [Int]?
    }

    /// Heals the last token when it is plain ASCII (whitespace, a word piece, punctuation) and something precedes
    /// it; other prompts are left as they are. ASCII keeps the cut on a character boundary.
    func plan(_ prompt: [Int]) -> Plan {
        guard prompt.count >= 2, let last = prompt.last, last < bytes.count, !bytes[last].isEmpty,
              bytes[last].allSatisfy({ $0 < 0x80 }) else {
            return Plan(prompt: prompt, removed: [], firstTokens: nil)
        }
        return Plan(prompt: Array(prompt.dropLast()), removed: bytes[last], firstTokens: extensions(of: last))
    }

    /// The tokens whose bytes begin with the bytes of `token`, itself included.
    func extensions(of token: Int) -> [Int] {
        let prefix = bytes[token]
        // Binary search for the first token not ordered before `prefix`: the run of extensions starts there.
        var low = 0
        var high = sortedIDs.count
        while low < high {
            let middle = (low + high) / 2
            if bytes[sortedIDs[middle]].lexicographicallyPrecedes(prefix) { low = middle + 1 } else { high = middle }
        }
        var result: [Int] = []
        while low < sortedIDs.count, bytes[sortedIDs[low]].starts(with: prefix) {
            result.append(sortedIDs[low])
            low += 1
        }
        return result
    }
}
