import Tokenizer

extension InlineCompletion {
    /// The repository's name in the repository form. One fixed name keeps the context block's first tokens the same
    /// for every document and keystroke (llama.cpp's server uses a fixed name too).
    static let repositoryName = "workspace"

    /// The FIM prompt in tokens, and the cap on generated tokens; nil where the context is too small for one.
    ///
    /// Shape (the context block in the repository form only):
    /// `BOS? [<|repo_name|> workspace\n (<|file_sep|> name\n text)… <|file_sep|> this-file\n]`, then in the
    /// prefix-first order `<|fim_prefix|> prefix-window <|fim_suffix|> suffix-start <|fim_middle|>`, in the
    /// suffix-first order `<|fim_prefix|> <|fim_suffix|> suffix-start <|fim_middle|> prefix-window`.
    /// The reply gets at most half the context; of the rest, the context block at most `task.contextTokens` and
    /// never more than half, then the suffix a quarter of what remains and the prefix the other three quarters
    /// (llama.cpp's server splits its batch 3:1 too). Each part's capacity is fixed, not borrowed from a part that
    /// needs less, so the prefix window moves in the same steps (`PromptWindow`) whatever the suffix and context
    /// hold. The block comes first and stays the same while the chosen chunks do, so consecutive keystrokes reuse it
    /// and the prefix from the KV cache. Prefix first, the suffix is computed again on every keystroke that changes
    /// the prefix's last tokens (the price of the layout most models are trained with); suffix first, typing changes
    /// only the prompt's end.
    static func fillInTheMiddle(_ task: CompletionTask, tokenizer: BPETokenizer, context: Int,
                                ids: FIMTokens) -> (Prompt, maxTokens: Int)? {
        let head = tokenizer.promptStart
        let cap = min(task.maxTokens, context / 2)
        let room = context - cap - head.count - 3
        guard room >= 4 else { return nil }
        let contextRoom = ids.fileSeparator == nil ? 0 : min(max(0, task.contextTokens), room / 2)
        let suffixRoom = (room - contextRoom) / 4
        let prefixRoom = room - contextRoom - suffixRoom
        let block = contextBlock(task, tokenizer: tokenizer, ids: ids, capacity: contextRoom)
        // Characters enough for the tokens kept (a token holds at least one), so a long suffix is not encoded whole
        // on every keystroke.
        let suffix = tokenizer.encode(String(task.suffix.prefix(suffixRoom * 8))).prefix(suffixRoom)
        let prefix = tokenizer.encode(String(PromptWindow.recentText(task.prefix, contextLength: context)))
        let start = PromptWindow.start(tokenCount: prefix.count, capacity: prefixRoom, step: max(1, prefixRoom / 4))
        let tokens: [Int]
        switch ids.order {
        case .prefixSuffixMiddle:
            tokens = head + block + [ids.prefix] + prefix[start...] + [ids.suffix] + suffix + [ids.middle]
        case .suffixPrefixMiddle:
            tokens = head + block + [ids.prefix, ids.suffix] + suffix + [ids.middle] + prefix[start...]
        }
        return (.tokens(tokens), cap)
    }

    /// The repository-form block of `task.context` in at most `capacity` tokens: the most similar chunks that fit,
    /// in the task's order (`fitting`). Empty without chunks or room.
    static func contextBlock(_ task: CompletionTask, tokenizer: BPETokenizer, ids: FIMTokens,
                             capacity: Int) -> [Int] {
        guard capacity > 0, !task.context.isEmpty, let separator = ids.fileSeparator else { return [] }
        let header = ids.repositoryName.map { [$0] + tokenizer.encode(repositoryName + "\n") } ?? []
        let current = [separator] + tokenizer.encode(ContextChunk.name(ofURI: task.documentKey) + "\n")
        let pieces = task.context.map { [separator] + tokenizer.encode($0.name + "\n" + lineEnded($0.text)) }
        let kept = task.context.fitting(capacity - header.count - current.count, costs: pieces.map(\.count))
        return kept.isEmpty ? [] : header + kept.flatMap { pieces[$0] } + current
    }

    /// The FIM prompt as text, for an engine whose tokenizer gptls does not have: the same layout and order with the
    /// token texts, which the engine reads as its control tokens. The whole prompt stays within `limits.completion`
    /// characters, the limit that keeps it inside the engine's context: the context block gets at most
    /// `task.contextTokens` times 4 characters and never more than half; of the rest the suffix gets a quarter, the
    /// prefix the remainder.
    static func fillInTheMiddle(_ task: CompletionTask, limits: CharacterLimits, format: FIMFormat) -> Prompt {
        let contextRoom = min(task.contextTokens * 4, limits.completion / 2)
        let ownRoom = limits.completion - contextRoom
        let suffixRoom = ownRoom / 4
        let prefix = PromptWindow.recentText(task.prefix, characters: max(1, ownRoom - suffixRoom))
        var text = ""
        if let separator = format.fileSeparator.map(bare), task.contextTokens > 0, !task.context.isEmpty {
            let pieces = task.context.map { separator + $0.name + "\n" + lineEnded($0.text) }
            let chunks = task.context.fitting(contextRoom, costs: pieces.map(\.count)).map { pieces[$0] }.joined()
            if !chunks.isEmpty {
                text += format.repositoryName.map { bare($0) + repositoryName + "\n" } ?? ""
                text += chunks + separator + ContextChunk.name(ofURI: task.documentKey) + "\n"
            }
        }
        let suffix = task.suffix.prefix(suffixRoom)
        switch format.order {
        case .prefixSuffixMiddle:
            text += bare(format.prefix) + prefix + bare(format.suffix) + suffix + bare(format.middle)
        case .suffixPrefixMiddle:
            text += bare(format.prefix) + bare(format.suffix) + suffix + bare(format.middle) + prefix
        }
        return .text(text)
    }

    /// A token's text as an engine's tokenizer reads it from a prompt: SentencePiece's "▁" is how its vocabulary
    /// spells a leading space, not text.
    private static func bare(_ token: String) -> String {
        token.hasPrefix("▁") ? String(token.dropFirst()) : token
    }

    private static func lineEnded(_ text: String) -> String {
        text.hasSuffix("\n") ? text : text + "\n"
    }
}
