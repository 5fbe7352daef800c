import Dispatch

/// An inline completion, as the language server hands it to a backend.
public struct CompletionTask: Sendable {
    /// Identifies the document: a newer completion for the same key and client supersedes an unfinished one.
    public var documentKey: String
    /// Who asks (one client connection): completions of two clients never supersede each other, and a backend
    /// shares its work fairly between clients.
    public var client: String
    /// The text before the cursor.
    public var prefix: String
    /// The text after the cursor (some lines of it), which a fill-in-the-middle model continues towards; empty
    /// where none is sent.
    public var suffix: String
    /// Pieces of other open documents and recent edits, most useful last; a FIM model with the repository form
    /// reads them before the document, in this order (see `InlineCompletion`).
    public var context: [ContextChunk]
    /// Tokens of the prompt the context may take at most (at most half of what the prefix, suffix and context
    /// share); 0 leaves it out.
    public var contextTokens: Int
    public var maxTokens: Int
    public var temperature: Double
    /// Generation ends, keeping what it has, once this time has passed.
    public var deadline: DispatchTime?
    /// Asked with the generated text after each token: true ends generation.
    public var stop: @Sendable (String) -> Bool
    /// Computed ahead of a keystroke that may never come (see `GenerationRequest.speculative`).
    public var speculative = false
    /// How much greedy decoding copies what followed the same tokens in the prompt (`GenerationRequest.copyWeight`);
    /// 0 decodes the model alone.
    public var copyWeight = 0.0

    public init(documentKey: String, prefix: String, maxTokens: Int, temperature: Double = 0,
                deadline: DispatchTime? = nil, stop: @escaping @Sendable (String) -> Bool = { _ in false },
                client: String = "", suffix: String = "", context: [ContextChunk] = [], contextTokens: Int = 0) {
        self.documentKey = documentKey
        self.client = client
        self.prefix = prefix
        self.suffix = suffix
        self.context = context
        self.contextTokens = contextTokens
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.deadline = deadline
        self.stop = stop
    }
}

extension CompletionTask {
    /// One key per client and document: a newer completion with the same key supersedes an older one, so the same
    /// file open in two editors keeps one ghost text in each (they still share cached prefixes, found by tokens).
    public var supersedeKey: String {
        client.isEmpty ? documentKey : "\(client)\u{1}\(documentKey)"
    }
}

/// A text to summarise.
public struct SummaryTask: Sendable {
    public var text: String
    /// Tokens per summary (of each part, when the text is split).
    public var maxTokens: Int
    /// Who asks (one client connection), for a fair share between clients.
    public var client: String

    public init(text: String, maxTokens: Int, client: String = "") {
        self.text = text
        self.maxTokens = maxTokens
        self.client = client
    }
}

/// A text to label.
public struct ClassificationTask: Sendable {
    public var text: String
    /// Candidate labels; nil asks for the backend's own classifier (or its default labels).
    public var labels: [String]?
    /// Who asks (one client connection), for a fair share between clients.
    public var client: String

    public init(text: String, labels: [String]? = nil, client: String = "") {
        self.text = text
        self.labels = labels
        self.client = client
    }
}
