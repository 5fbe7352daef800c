import Engine
import Tasks
import Tokenizer

/// One model of the engine as the tasks use it (see `Generator`): prompts in its tokens, continuations and scores
/// as engine jobs, and token healing for prompts that end at the cursor.
///
/// Threading: any thread; callbacks run on the engine thread and must return quickly.
final class EngineGenerator: Generator, @unchecked Sendable {
    let engine: Engine
    let model: InProcessBackend.TaskModel
    /// Healing for prompts that end at the cursor; nil where none are sent (a summary model's generator).
    private let healing: TokenHealing?
    /// The tokenizer's special tokens, which a `CopySource` turns into separators.
    private let controlTokens: Set<Int>

    init(engine: Engine, model: InProcessBackend.TaskModel, healing: TokenHealing? = nil) {
        self.engine = engine
        self.model = model
        self.healing = healing
        controlTokens = Set(model.tokenizer.specialTokens.values)
    }

    var measure: PromptMeasure { .tokens(model.tokenizer, context: model.contextLength) }

    /// One job. A prompt that ends at the cursor loses its last token, which the first generated token must begin
    /// with (`TokenHealing`); those bytes are already in the document, so they are cut from the text.
    func generate(_ request: GenerationRequest,
                  onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable {
        let group = JobGroup(engine: engine, owner: request.owner)
        let tokenizer = model.tokenizer
        let prompt = tokens(request.prompt)
        let healed = request.endsAtCursor ? healing?.plan(prompt) : nil
        let decode: @Sendable ([Int]) -> String = { generated in
            let bytes = tokenizer.decodeBytes(generated, skippingSpecialTokens: true)
            return healed?.text(of: bytes) ?? String(decoding: bytes, as: UTF8.self)
        }
        let priority = request.speculative ? .speculative : Priority(request.task)
        var job = Job(model: model.index, priority: priority, prompt: healed?.prompt ?? prompt,
                      maxTokens: request.maxTokens, sampler: Sampler(.init(temperature: Float(request.temperature))),
                      stopTokens: tokenizer.stopTokens, decode: decode,
                      stopText: request.stop, deadline: request.deadline, supersedeKey: request.supersedeKey,
                      firstTokens: healed?.firstTokens)
        if request.copyWeight > 0, request.temperature <= 0, let range = request.textBeforeCursor {
            job.copy = CopySource(mixture: CopyMixture(weight: min(1, request.copyWeight)),
                                  text: copyText(job.prompt, textBeforeCursor: range))
        }
        group.submit(job) { outcome in
            onFinish(outcome.map { TextResult(text: decode($0.tokens), metrics: TaskMetrics($0.metrics)) }
                .mapError(TaskError.init))
        }
        return group
    }

    /// First the shared prompt alone, so every continuation's job finds it cached; then one job per continuation
    /// that returns the outputs of the positions before each of its tokens. The metrics are those of the
    /// continuations' jobs.
    func score(_ request: ScoringRequest,
               onFinish: @escaping @Sendable (Result<ContinuationScores, TaskError>) -> Void) -> any Cancellable {
        let group = JobGroup(engine: engine, owner: request.owner)
        let prompt = tokens(request.prompt)
        let continuations = request.continuations.map { model.tokenizer.encode($0) }
        let priority = Priority(request.task)
        let (index, width) = (model.index, engine.outputWidth(ofModel: model.index))
        group.submit(Job(model: index, priority: priority, prompt: prompt)) { outcome in
            if case .failure(let error) = outcome { return onFinish(.failure(TaskError(error))) }
            let collector = ScoreCollector<(Double, TaskMetrics)>(count: continuations.count) { results in
                onFinish(results.map { scored in
                    ContinuationScores(logprobs: scored.map(\.0),
                                       metrics: scored.reduce(TaskMetrics()) { $0.adding($1.1) })
                })
            }
            for (item, continuation) in continuations.enumerated() {
                let job = Job(model: index, priority: priority, prompt: prompt + continuation,
                              scoreLast: continuation.count + 1)
                group.submit(job) { outcome in
                    collector.set(item, outcome.map { result in
                        (Self.logProbability(of: continuation, scores: result.scores, width: width),
                         TaskMetrics(result.metrics))
                    }.mapError(TaskError.init))
                }
            }
        }
        return group
    }

    /// The prompt as the text it stands for, for a `CopySource`: the parts before and after the text before the
    /// cursor, then that text (a healed prompt may end inside it), with -1 between parts and for control tokens.
    private func copyText(_ prompt: [Int], textBeforeCursor range: Range<Int>) -> [Int] {
        let end = min(range.upperBound, prompt.count), start = min(range.lowerBound, end)
        let text = Array(prompt[..<start]) + [-1] + Array(prompt[end...]) + [-1] + Array(prompt[start..<end])
        return text.map { controlTokens.contains($0) ? -1 : $0 }
    }

    /// A prompt in this model's tokens.
    private func tokens(_ prompt: Prompt) -> [Int] {
        switch prompt {
        case .tokens(let tokens): return tokens
        case .text(let text): return model.tokenizer.promptTokens(text)
        }
    }

    /// Total log-probability of `continuation` given the outputs of the positions just before each of its tokens:
    /// `scores` holds `continuation.count + 1` rows; the last row (after the final token) is not used.
    static func logProbability(of continuation: [Int], scores: [Float], width: Int) -> Double {
        var total = 0.0
        for (position, token) in continuation.enumerated() {
            let row = scores[(position * width)..<((position + 1) * width)]
            total += Sampler.logProbability(of: token, in: row)
        }
        return total
    }
}

extension Priority {
    /// The engine's priority for work that serves `task`: a keystroke first, then a classification, then a summary.
    init(_ task: TaskKind) {
        switch task {
        case .completion: self = .interactive
        case .classify: self = .classify
        case .summarize: self = .summarize
        }
    }
}
