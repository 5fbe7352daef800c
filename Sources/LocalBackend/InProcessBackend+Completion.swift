import Engine
import GPT
import Tasks

extension InProcessBackend {
    /// Continues `task.prefix`. The prompt is a window of its last tokens that moves in large steps (see
    /// `PromptWindow`), so consecutive keystrokes share their cached prefix.
    public func complete(_ task: CompletionTask,
                         onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        let group = JobGroup(engine: engine, owner: task.client)
        let model = completionModel
        var tokens = model.tokenizer.encode(String(Self.recentText(task.prefix, contextLength: model.contextLength)))
        if tokens.isEmpty, let start = model.tokenizer.endOfText { tokens = [start] }
        let maxTokens = min(task.maxTokens, model.contextLength / 2)
        let capacity = model.contextLength - maxTokens
        let start = PromptWindow.start(tokenCount: tokens.count, capacity: capacity, step: max(1, capacity / 4))
        let tokenizer = model.tokenizer
        let healed = healing.plan(Array(tokens[start...]))
        // The generated text begins with the healed bytes, which are already in the document: cut them.
        let decode: @Sendable ([Int]) -> String = { generated in
            String(decoding: tokenizer.decodeBytes(generated).dropFirst(healed.removed.count), as: UTF8.self)
        }
        let job = Job(model: model.index, priority: .interactive, prompt: healed.prompt,
                      maxTokens: maxTokens, sampler: Sampler(.init(temperature: Float(task.temperature))),
                      stopTokens: Set([tokenizer.endOfText].compactMap { $0 }),
                      decode: decode, stopText: task.stop, deadline: task.deadline,
                      supersedeKey: Self.supersedeKey(task), firstTokens: healed.firstTokens)
        group.submit(job) { outcome in
            onFinish(outcome.map { TextResult(text: decode($0.tokens), metrics: TaskMetrics($0.metrics)) }
                .mapError(TaskError.init))
        }
        return group
    }

    /// One key per client and document: the same file open in two editors keeps one ghost text in each (they still
    /// share cached prefixes, which the engine finds by tokens).
    static func supersedeKey(_ task: CompletionTask) -> String {
        task.client.isEmpty ? task.documentKey : "\(task.client)\u{1}\(task.documentKey)"
    }

    /// The end of a long text, enough to fill the context, so a keystroke does not re-tokenize a whole document.
    ///
    /// The cut moves in steps of a quarter of the kept length and lands on a line start, so consecutive keystrokes
    /// see the same beginning (and so the same tokens and cached blocks) until the next step.
    static func recentText(_ text: String, contextLength: Int) -> Substring {
        let keep = contextLength * 8  // bytes: comfortably more than a context of code or prose
        let bytes = text.utf8
        guard bytes.count > keep else { return text[...] }
        let step = keep / 4
        let cut = (bytes.count - keep + step - 1) / step * step
        var index = bytes.index(bytes.startIndex, offsetBy: cut)
        // Start after the next line break (or at least on a character boundary).
        if let newline = bytes[index...].prefix(step).firstIndex(of: UInt8(ascii: "\n")) {
            index = bytes.index(after: newline)
        }
        while index < bytes.endIndex, UTF8.isContinuation(bytes[index]) { index = bytes.index(after: index) }
        return text[index...]
    }
}
