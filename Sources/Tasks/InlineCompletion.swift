/// Inline completion, written once for every backend: the window of the text before the cursor, continued; for a
/// model with fill-in-the-middle tokens, the text after the cursor and the workspace context too.
public enum InlineCompletion {
    /// Continues `task.prefix` on `generator`: the prompt is the end of the text before the cursor, cut so that it
    /// and the reply fit the context (`window`), or the FIM layout of `fim` with the suffix and context
    /// (`fillInTheMiddle`); the task's stop rule, deadline and supersede key go with it.
    public static func run(_ task: CompletionTask, on generator: any Generator, fim: FIMChoice = .automatic,
                           onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        let (prompt, maxTokens, isFIM) = prompt(for: task, measure: generator.measure, fim: fim)
        // A prefix-first FIM prompt ends with the middle token, not at the cursor: there is no last token to heal.
        let endsAtCursor = !isFIM || fim.order == .suffixPrefixMiddle
        var request = GenerationRequest(prompt: prompt, maxTokens: maxTokens, stop: task.stop,
                                        temperature: task.temperature, task: .completion, owner: task.client,
                                        deadline: task.deadline, supersedeKey: task.supersedeKey,
                                        endsAtCursor: endsAtCursor)
        request.speculative = task.speculative
        request.copyWeight = task.copyWeight
        if case .tokens(let tokens) = prompt, case .tokens(let tokenizer, _) = generator.measure {
            let ids = isFIM ? fim.format(tokenizer: tokenizer)?.tokens(in: tokenizer) : nil
            request.textBeforeCursor = textBeforeCursor(in: tokens, ids: ids, head: tokenizer.promptStart.count)
        }
        return generator.generate(request, onFinish: onFinish)
    }

    /// The prompt of `task` in `measure`'s unit, the cap on generated tokens, and whether it is a FIM prompt.
    ///
    /// Without FIM the workspace context is left out: a model trained on single documents has no way to tell
    /// another file from the one it continues, and text before the prefix would only push the prefix out.
    public static func prompt(for task: CompletionTask, measure: PromptMeasure,
                              fim: FIMChoice) -> (Prompt, maxTokens: Int, isFIM: Bool) {
        switch measure {
        case .tokens(let tokenizer, let context):
            if let format = fim.format(tokenizer: tokenizer), let ids = format.tokens(in: tokenizer),
               let (prompt, cap) = fillInTheMiddle(task, tokenizer: tokenizer, context: context, ids: ids) {
                return (prompt, cap, true)
            }
        case .characters(let limits):
            if let format = fim.format(tokenizer: nil) {
                return (fillInTheMiddle(task, limits: limits, format: format), task.maxTokens, true)
            }
        }
        let (prompt, cap) = window(task.prefix, maxTokens: task.maxTokens, measure: measure)
        return (prompt, cap, false)
    }

    /// Where `prompt` holds the text before the cursor: a FIM prompt's prefix window (between the prefix and suffix
    /// tokens, or after the middle token in the suffix-first order), else all of it after the tokenizer's start.
    static func textBeforeCursor(in prompt: [Int], ids: FIMTokens?, head: Int) -> Range<Int> {
        guard let ids else { return min(head, prompt.count)..<prompt.count }
        switch ids.order {
        case .prefixSuffixMiddle:
            guard let start = prompt.lastIndex(of: ids.prefix), let end = prompt.lastIndex(of: ids.suffix),
                  start < end else { return prompt.count..<prompt.count }
            return start + 1..<end
        case .suffixPrefixMiddle:
            let start = prompt.lastIndex(of: ids.middle).map { $0 + 1 } ?? prompt.count
            return start..<prompt.count
        }
    }

    /// The prompt for the text before the cursor, and the cap on generated tokens.
    ///
    /// In tokens, the prompt is the window of the last tokens that moves in steps (`PromptWindow`), so consecutive
    /// keystrokes share their cached prefix, and the reply gets at most half the context; the tokenizer's BOS, where
    /// it adds one, comes first and counts in the window. In characters, it is the
    /// end of the text, starting at a line where one is near, and the cap is the task's.
    static func window(_ prefix: String, maxTokens: Int, measure: PromptMeasure) -> (Prompt, maxTokens: Int) {
        switch measure {
        case .tokens(let tokenizer, let context):
            let head = tokenizer.promptStart
            var tokens = tokenizer.encode(String(PromptWindow.recentText(prefix, contextLength: context)))
            // An empty document is continued from the start of a text.
            if tokens.isEmpty, head.isEmpty, let start = tokenizer.endOfText ?? tokenizer.roles.eos { tokens = [start] }
            let cap = min(maxTokens, context / 2)
            let capacity = max(1, context - cap - head.count)
            let start = PromptWindow.start(tokenCount: tokens.count, capacity: capacity, step: max(1, capacity / 4))
            return (.tokens(head + tokens[start...]), cap)
        case .characters(let limits):
            var text = String(PromptWindow.recentText(prefix, characters: limits.completion))
            if text.isEmpty { text = "<|endoftext|>" }
            return (.text(text), maxTokens)
        }
    }
}
