import Dispatch

/// A unit of work for the engine: compute a prompt, then optionally generate.
public struct Job: Sendable {
    /// Index of the model (as given to `Engine.init`) that runs this job.
    public var model: Int
    public var priority: Priority
    /// [T] prompt token ids; at least one.
    public var prompt: [Int]
    /// Tokens to generate after the prompt; 0 only computes the prompt (and `scoreLast`).
    public var maxTokens: Int
    /// Return the outputs of the prompt's last `scoreLast` positions (continuation scoring, classification).
    public var scoreLast: Int
    /// Picks each next token from the logits of the last position.
    public var sampler: Sampler
    /// Generation ends when one of these tokens is picked (the token is not part of the output).
    public var stopTokens: Set<Int>
    /// Decodes generated tokens to text for `stopText`; only called when `stopText` is set.
    public var decode: (@Sendable ([Int]) -> String)?
    /// Asked with the decoded text after each token: true ends generation.
    public var stopText: (@Sendable (String) -> Bool)?
    /// Generation ends, keeping what it has, once this time has passed.
    public var deadline: DispatchTime?
    /// A new job with the same key supersedes an unfinished one (one inline completion per document).
    public var supersedeKey: String?
    /// When set, the first generated token is chosen among these only (token healing, see `TokenHealing`).
    public var firstTokens: [Int]?
    /// Who asked (one client connection): within a priority, steps take turns between owners, so one owner's
    /// flood of jobs cannot starve another's single keystroke.
    public var owner: String
    /// When set (greedy decoding only), each token is the first of a `CopyMixture` over this text and the
    /// generated tokens.
    public var copy: CopySource?

    public init(model: Int = 0, priority: Priority, prompt: [Int], maxTokens: Int = 0, scoreLast: Int = 0,
                sampler: Sampler = Sampler(), stopTokens: Set<Int> = [], decode: (@Sendable ([Int]) -> String)? = nil,
                stopText: (@Sendable (String) -> Bool)? = nil, deadline: DispatchTime? = nil,
                supersedeKey: String? = nil, firstTokens: [Int]? = nil, owner: String = "",
                copy: CopySource? = nil) {
        self.model = model
        self.priority = priority
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.scoreLast = scoreLast
        self.sampler = sampler
        self.stopTokens = stopTokens
        self.decode = decode
        self.stopText = stopText
        self.deadline = deadline
        self.supersedeKey = supersedeKey
        self.firstTokens = firstTokens
        self.owner = owner
        self.copy = copy
    }
}

/// Identifies a submitted job, for `Engine.cancel`.
public struct JobID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public var description: String { "job \(rawValue)" }
}

/// Why generation ended.
public enum FinishReason: String, Sendable {
    /// A stop token or the stop rule.
    case stop
    /// `maxTokens` reached, or the model's context is full.
    case length
    case deadline
}

/// Figures of one job, reported with its result.
public struct JobMetrics: Equatable, Sendable {
    public var promptTokens = 0
    /// Prompt tokens whose keys and values came from the cache.
    public var reusedTokens = 0
    /// Prompt tokens computed by this job.
    public var computedTokens = 0
    public var generatedTokens = 0
    /// Tokens proposed by prompt lookup, and those of them kept.
    public var draftedTokens = 0
    public var acceptedDraftTokens = 0
    /// From submission to the first step that included the job.
    public var queuedMs = 0.0
    /// From submission to the first generated token (or the end of the prompt when nothing is generated).
    public var firstTokenMs = 0.0
    public var totalMs = 0.0
}

/// What a finished job produced.
public struct JobResult: Sendable {
    /// Generated token ids, without the stop token.
    public var tokens: [Int]
    /// Log-probability of each generated token under the raw logits.
    public var logprobs: [Double]
    /// `[scoreLast * outputWidth]` outputs of the prompt's last `scoreLast` positions.
    public var scores: [Float]
    public var finishReason: FinishReason
    public var metrics: JobMetrics
}

/// Why the engine could not run a job. Messages read as sentences a user can act on.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case busy(queued: Int, limit: Int)
    case promptTooLong(tokens: Int, context: Int)
    case tooLargeForCache(blocksNeeded: Int, capacity: Int)
    case emptyPrompt
    case cancelled
    case superseded
    case unknownModel(Int)
    case modelFailed(String)

    public var description: String {
        switch self {
        case .busy(let queued, let limit):
            return "the server is busy: \(queued) jobs are waiting (limit \(limit)); try again shortly"
        case .promptTooLong(let tokens, let context):
            return "the prompt has \(tokens) tokens but the model's context holds \(context)"
        case .tooLargeForCache(let needed, let capacity):
            return "the request needs \(needed) KV cache blocks but the cache has \(capacity); "
                + "raise cacheBudgetMB or ask for fewer tokens"
        case .emptyPrompt: return "the prompt is empty: there is nothing to continue"
        case .cancelled: return "the request was cancelled"
        case .superseded: return "a newer request for the same document replaced this one"
        case .unknownModel(let index): return "no model with index \(index) is loaded"
        case .modelFailed(let message): return "the model failed: \(message)"
        }
    }
}
