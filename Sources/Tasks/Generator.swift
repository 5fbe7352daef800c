import Tokenizer

/// What every backend offers the tasks: continue a prompt, and score continuations of a prompt.
///
/// Each task is written once on top of these two: `InlineCompletion`, `Summarization`, `ZeroShotClassification`.
/// A backend is an adapter that runs them on its engine, in this process or on a serving engine over HTTP; what it
/// cannot do (prompt log-probabilities on some engines) fails the request with an error that says so.
///
/// Threading: both methods may be called from any thread and return at once. `onFinish` runs exactly once (also
/// when cancelled: `TaskError.cancelled`), on a thread of the generator's choosing, and must return quickly.
public protocol Generator: AnyObject, Sendable {
    /// How this generator measures prompts, and so how the tasks cut them to fit.
    var measure: PromptMeasure { get }

    /// Continues `request.prompt` until the model's end of text, a stop rule, `maxTokens` or the deadline (which
    /// keeps the text so far). The result's text is what follows the prompt.
    func generate(_ request: GenerationRequest,
                  onFinish: @escaping @Sendable (Result<TextResult, TaskError>) -> Void) -> any Cancellable

    /// The total log-probability of each of `request.continuations` right after `request.prompt`, in order.
    func score(_ request: ScoringRequest,
               onFinish: @escaping @Sendable (Result<ContinuationScores, TaskError>) -> Void) -> any Cancellable
}

/// A prompt as a task hands it to a generator.
public enum Prompt: Equatable, Sendable {
    /// Token ids of the generator's own tokenizer: only from a generator whose `measure` is `.tokens`.
    case tokens([Int])
    case text(String)
}

/// How a generator measures prompts: the unit its prompt windows are cut in and its metrics count.
public enum PromptMeasure: Sendable {
    /// In the model's tokens: windows fill a context of `context` tokens, as the model sees them.
    case tokens(BPETokenizer, context: Int)
    /// In characters, where the model's tokenizer is unknown and a serving engine tokenizes the text itself.
    case characters(CharacterLimits)

    /// The unit of prompt counts in the metrics.
    public var unit: TaskMetrics.PromptUnit {
        switch self {
        case .tokens: return .tokens
        case .characters: return .characters
        }
    }
}

/// Prompt lengths in characters, for a generator that cannot count tokens.
public struct CharacterLimits: Equatable, Sendable {
    /// Characters of the text before the cursor in a completion prompt.
    public var completion: Int
    /// Characters of a summary's or classification's input per prompt: longer text is split (summaries) or cut to
    /// its end (classification).
    public var input: Int

    public init(completion: Int, input: Int) {
        self.completion = completion
        self.input = input
    }
}
