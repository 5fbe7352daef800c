import Dispatch

/// A continuation a task asks of a `Generator`: the prompt, its stop rules, and how the work is scheduled.
public struct GenerationRequest: Sendable {
    public var prompt: Prompt
    /// Tokens to generate at most; the model's end of text always ends generation.
    public var maxTokens: Int
    /// Asked with the generated text after each token: true ends generation, keeping the text so far.
    public var stop: @Sendable (String) -> Bool
    /// 0 is greedy: the model's most likely token each time.
    public var temperature: Double
    /// The task this serves, which sets its priority: completion first, then classify, then summarize.
    public var task: TaskKind
    /// Who asks (one client connection): a backend shares its work fairly between owners.
    public var owner: String
    /// Generation ends, keeping what it has, once this time has passed.
    public var deadline: DispatchTime?
    /// A newer request with the same key ends an unfinished one with `TaskError.superseded`.
    public var supersedeKey: String?
    /// The prompt ends at the user's cursor, maybe inside what would be one token: a generator that can heals its
    /// last token. The text it returns never repeats the prompt either way.
    public var endsAtCursor: Bool
    /// Nobody waits for the result yet (a completion computed ahead of an expected keystroke): a backend that has
    /// priorities runs it only when nothing else is waiting.
    public var speculative = false
    /// Where a token prompt holds the text before the cursor, which the generated text continues (a FIM prompt's
    /// prefix window): a generator that copies from the prompt (`CopyMixture`) looks up what follows it there.
    public var textBeforeCursor: Range<Int>?
    /// The copy distribution's share when decoding greedily with a copy of the prompt's text (the engine's
    /// `CopyMixture`, with `textBeforeCursor`): 0 decodes the model alone. Generators that run the model elsewhere
    /// (a serving engine) decode without it.
    public var copyWeight = 0.0

    public init(prompt: Prompt, maxTokens: Int, stop: @escaping @Sendable (String) -> Bool = { _ in false },
                temperature: Double = 0, task: TaskKind, owner: String = "", deadline: DispatchTime? = nil,
                supersedeKey: String? = nil, endsAtCursor: Bool = false) {
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.stop = stop
        self.temperature = temperature
        self.task = task
        self.owner = owner
        self.deadline = deadline
        self.supersedeKey = supersedeKey
        self.endsAtCursor = endsAtCursor
    }
}
