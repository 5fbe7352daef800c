import Engine
import Model
import Tasks

extension InProcessBackend {
    /// Continues `task.prefix`. The prompt is a window of its last tokens that moves in large steps (see
    /// `PromptWindow`), so consecutive keystrokes share their cached prefix.
    public func complete(_ task: CompletionTask,
                         onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        let group = JobGroup(engine: engine, owner: task.client)
        let model = completionModel
        var tokens = model.tokenizer.encode(String(PromptWindow.recentText(task.prefix, contextLength: model.contextLength)))
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
                      supersedeKey: task.supersedeKey, firstTokens: healed.firstTokens)
        group.submit(job) { outcome in
            onFinish(outcome.map { TextResult(text: decode($0.tokens), metrics: TaskMetrics($0.metrics)) }
                .mapError(TaskError.init))
        }
        return group
    }
}
