extension VocabularyLoader {
    /// A vocabulary from GGUF tokenizer metadata: normal tokens are byte-level, control (and unknown) tokens special,
    /// user-defined tokens added tokens matched in text, unused ids empty. The family follows `tokenizer.ggml.pre`,
    /// with Hugging Face's NFC for Qwen2 (llama.cpp skips it, but the model was trained on NFC text) and
    /// `ignore_merges` for Llama 3 (as llama.cpp sets it).
    static func loadGGUF(_ gguf: GGUFVocabulary) throws -> Vocabulary {
        let path = gguf.source
        guard gguf.model == "gpt2" else {
            throw TokenizerError.unsupported(path: path, feature: "tokenizer.ggml.model "
                + "\(gguf.model.debugDescription) (only \"gpt2\", byte-level BPE, is read)")
        }
        guard let pre = gguf.pre else {
            throw TokenizerError.wrongFormat(path: path, reason: "tokenizer.ggml.pre is missing, so the pre-tokenizer "
                + "is unknown (expected gpt-2, llama-bpe, qwen2 or smollm)")
        }
        guard let pattern = SplitPattern(ggufName: pre) else {
            throw TokenizerError.unsupported(path: path, feature: "tokenizer.ggml.pre \(pre.debugDescription) "
                + "(known: gpt-2, llama-bpe, qwen2, smollm)")
        }
        let tokens = try ggufTokens(gguf)
        let merges = try ggufMerges(gguf.merges, ids: tokens.ids, path: path + " (tokenizer.ggml.merges)")
        let scheme = Scheme(pattern: pattern, normalization: pattern == .qwen2 ? .nfc : .none,
                            ignoresMerges: pattern.ggufIgnoresMerges)
        var vocabulary = try Vocabulary(tokens: tokens.bytes, merges: merges, specials: tokens.specials,
                                        added: tokens.added, rule: .mergeList, scheme: scheme, path: path)
        vocabulary.roles = try ggufRoles(gguf, pattern: pattern)
        return vocabulary
    }

    /// The tokens by type: bytes of the normal ones (and their strings -> id, for the merges), special and added.
    private static func ggufTokens(_ gguf: GGUFVocabulary) throws
        -> (bytes: [[UInt8]?], ids: [String: Int], specials: [String: Int], added: [String: Int]) {
        let path = gguf.source
        let count = gguf.tokens.count
        guard count > 0, count < 1 << 24 else {
            throw TokenizerError.wrongFormat(path: path, reason: "tokenizer.ggml.tokens has \(count) tokens, "
                + "expected 1 to 16777215")
        }
        if let types = gguf.tokenTypes, types.count != count {
            throw TokenizerError.wrongFormat(path: path, reason: "tokenizer.ggml.token_type has \(types.count) "
                + "entries for \(count) tokens")
        }
        var bytes = [[UInt8]?](repeating: nil, count: count)
        var ids = [String: Int](minimumCapacity: count)
        var specials: [String: Int] = [:]
        var added: [String: Int] = [:]
        for (id, string) in gguf.tokens.enumerated() {
            let tokenBytes = ByteLevel.bytes(of: string)
            let type: GGUFVocabulary.TokenType
            if let raw = gguf.tokenTypes?[id] {
                guard let known = GGUFVocabulary.TokenType(rawValue: raw) else {
                    throw TokenizerError.wrongFormat(path: path, reason: "token \(id) has type \(raw), expected 1 to 6")
                }
                type = known
            } else {
                type = tokenBytes == nil ? .control : .normal
            }
            switch type {
            case .normal:
                guard let tokenBytes, !tokenBytes.isEmpty else {
                    throw TokenizerError.wrongFormat(path: path, reason: "token \(id) \(string.debugDescription) is "
                        + "not byte-level (empty, or a character outside GPT-2's byte map)")
                }
                if let other = ids.updateValue(id, forKey: string) {
                    throw TokenizerError.duplicateID(path: path, id: id, first: string, second: "token \(other) again")
                }
                bytes[id] = tokenBytes
            case .control, .unknown, .userDefined:
                guard !string.isEmpty else {
                    throw TokenizerError.wrongFormat(path: path, reason: "token \(id) is an empty special token")
                }
                if let other = specials[string] ?? added[string] {
                    throw TokenizerError.duplicateID(path: path, id: id, first: string, second: "token \(other) again")
                }
                if type == .userDefined { added[string] = id } else { specials[string] = id }
            case .unused:
                continue
            case .byte:
                throw TokenizerError.unsupported(path: path, feature: "byte tokens (type 6, SentencePiece's) in a "
                    + "byte-level BPE")
            }
        }
        return (bytes, ids, specials, added)
    }

    /// `"left right"` merges as id triples ranked by position.
    private static func ggufMerges(_ merges: [String], ids: [String: Int], path: String) throws
        -> [(left: Int, right: Int, rank: Int)] {
        var triples: [(left: Int, right: Int, rank: Int)] = []
        triples.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizerError.wrongFormat(path: path, reason: "merge \(rank) is \(merge.debugDescription), "
                    + "expected two tokens separated by one space")
            }
            let left = String(parts[0]), right = String(parts[1])
            guard let leftID = ids[left] else {
                throw TokenizerError.mergeOfUnknownToken(path: path, line: rank + 1, token: left)
            }
            guard let rightID = ids[right] else {
                throw TokenizerError.mergeOfUnknownToken(path: path, line: rank + 1, token: right)
            }
            guard ids[left + right] != nil else {
                throw TokenizerError.mergedTokenMissing(path: path, line: rank + 1, token: left + right)
            }
            triples.append((leftID, rightID, rank))
        }
        return triples
    }

    /// The roles the metadata names, each checked to be a token; BOS is added as llama.cpp does by default.
    private static func ggufRoles(_ gguf: GGUFVocabulary, pattern: SplitPattern) throws -> SpecialTokenRoles {
        func checked(_ id: Int?, _ key: String) throws -> Int? {
            guard let id else { return nil }
            guard id >= 0, id < gguf.tokens.count else {
                throw TokenizerError.wrongFormat(path: gguf.source, reason: "tokenizer.ggml.\(key) is \(id), "
                    + "outside the \(gguf.tokens.count) tokens")
            }
            return id
        }
        var roles = SpecialTokenRoles()
        roles.bos = try checked(gguf.bosTokenID, "bos_token_id")
        roles.eos = try checked(gguf.eosTokenID, "eos_token_id")
        roles.eot = try checked(gguf.eotTokenID, "eot_token_id")
        roles.eom = try checked(gguf.eomTokenID, "eom_token_id")
        roles.padding = try checked(gguf.paddingTokenID, "padding_token_id")
        roles.addsBOS = (gguf.addBOSToken ?? (pattern == .llama3)) && roles.bos != nil
        roles.addsEOS = (gguf.addEOSToken ?? false) && roles.eos != nil
        return roles
    }
}
