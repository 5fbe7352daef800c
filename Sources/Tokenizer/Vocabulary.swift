/// A byte-level BPE vocabulary ready to encode: the bytes of every id, the merges, the special and added tokens, the
/// pre-tokens that are a single token (the shortcut taken before any merging), and the family's way of splitting and
/// normalizing text.
///
/// Built by `VocabularyLoader` from any of the file forms. Immutable and thread-safe.
struct Vocabulary: Sendable {
    /// How merges are ranked.
    enum MergeRule: Sendable {
        /// Hugging Face / OpenAI merges lists: the rank is the merge's line; only listed pairs merge.
        case mergeList
        /// tiktoken rank files: any adjacent pair whose concatenation is a token merges, ranked by that token's rank.
        case tokenRanks
    }

    /// Token bytes, all ids end to end; id `i` is `bytes[offsets[i]..<offsets[i + 1]]`.
    let bytes: [UInt8]
    let offsets: [Int]
    /// Ids that are not ordinary tokens and are only produced when asked for by name.
    let specials: [String: Int]
    /// Whether each id is a special token.
    let isSpecialID: [Bool]
    /// Added tokens that are not special: text -> id, matched wherever the text occurs.
    let added: [String: Int]
    let addedMatcher: AddedTokenMatcher
    let scheme: Scheme
    var pattern: SplitPattern { scheme.pattern }
    var normalization: Normalization { scheme.normalization }
    /// The special tokens that begin and end text.
    var roles: SpecialTokenRoles
    let merger: BytePairMerger
    /// Pre-token bytes -> id, for pieces whose merging gives that single token (every token, when whole-word tokens
    /// skip merging).
    let shortcut: ByteSequenceMap
    /// The merges that apply, by rank: what a merges file lists, for writing the vocabulary out again (32-bit ids:
    /// kept for the vocabulary's life, 150k merges take 1.2 MB).
    let mergeOrder: [(left: Int32, right: Int32)]

    var size: Int { offsets.count - 1 }

    /// Builds the vocabulary from ordinary tokens and merges.
    ///
    /// - Parameters:
    ///   - tokens: bytes of each ordinary token by id (`nil` for ids that are special or unused).
    ///   - merges: `(left, right, rank)` id triples by ascending rank (as every file form lists them); the merged
    ///     token is the token of the concatenated bytes; a pair listed twice keeps its first rank.
    ///   - specials: special token text -> id.
    ///   - added: added tokens that are not special, text -> id; their bytes are their UTF-8 text.
    ///   - scheme: the family's split pattern and normalization, and whether a piece that is itself a token is that
    ///     token, merged or not.
    ///   - path: named in errors.
    init(tokens: [[UInt8]?], merges: [(left: Int, right: Int, rank: Int)], specials: [String: Int],
         added: [String: Int] = [:], rule: MergeRule, scheme: Scheme = .gpt2, path: String) throws {
        var index = ByteSequenceMap(minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() {
            if let token { index.set(Int64(id), for: token) }
        }
        var byteTokens = [UInt32](repeating: 0, count: 256)
        for byte in 0..<256 {
            guard let id = index.value(for: [UInt8(byte)]) else { throw TokenizerError.missingByteToken(path: path, byte: UInt8(byte)) }
            byteTokens[byte] = UInt32(id)
        }
        var table = PairTable(capacity: merges.count)
        var order: [(left: Int32, right: Int32)] = []
        order.reserveCapacity(merges.count)
        var joined: [UInt8] = []
        for merge in merges {
            guard let left = tokens[merge.left], let right = tokens[merge.right] else { continue }
            joined.removeAll(keepingCapacity: true)
            joined += left
            joined += right
            guard let merged = index.value(for: joined) else { continue }  // checked by the loaders
            if table.insert(UInt64(merge.left) << 32 | UInt64(merge.right), UInt64(merge.rank) << 32 | UInt64(merged)) {
                order.append((Int32(merge.left), Int32(merge.right)))
            }
        }
        mergeOrder = order
        let merger = BytePairMerger(merges: table, byteTokens: byteTokens)
        self.merger = merger

        var all: [UInt8] = []
        let size = max(tokens.count, (specials.values.max() ?? -1) + 1, (added.values.max() ?? -1) + 1)
        var offsets = [0]
        offsets.reserveCapacity(size + 1)
        let specialText = Dictionary(specials.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
        let addedText = Dictionary(added.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
        var isSpecialID = [Bool](repeating: false, count: size)
        for id in specials.values { isSpecialID[id] = true }
        for id in 0..<size {
            if let text = specialText[id] ?? addedText[id] {
                all.append(contentsOf: Array(text.utf8))
            } else if id < tokens.count, let token = tokens[id] {
                all.append(contentsOf: token)
            }
            offsets.append(all.count)
        }
        bytes = all
        self.offsets = offsets
        self.specials = specials
        self.isSpecialID = isSpecialID
        self.added = added
        addedMatcher = AddedTokenMatcher(added)
        self.scheme = scheme
        roles = SpecialTokenRoles(eos: specials["<|endoftext|>"])

        // The shortcut holds a token only when merging its bytes gives that token back, so it never changes a result;
        // under tiktoken's rule every token qualifies, as tiktoken itself looks pieces up first, and so does every
        // token of a vocabulary that ignores merges for whole words.
        var shortcut = ByteSequenceMap(minimumCapacity: tokens.count)
        var scratch: [Int] = []
        for (id, token) in tokens.enumerated() {
            guard let token, specialText[id] == nil, addedText[id] == nil else { continue }
            if rule == .mergeList, !scheme.ignoresMerges {
                scratch.removeAll(keepingCapacity: true)
                token.withUnsafeBufferPointer { merger.merge($0, into: &scratch) }
                guard scratch == [id] else { continue }
            }
            shortcut.set(Int64(id), for: token)
        }
        self.shortcut = shortcut
    }

    /// The bytes of a token, or nil for an id outside the vocabulary or one that no token uses.
    func tokenBytes(_ id: Int) -> ArraySlice<UInt8>? {
        guard id >= 0, id < size, offsets[id] < offsets[id + 1] else { return nil }
        return bytes[offsets[id]..<offsets[id + 1]]
    }
}
