import Dispatch
import Foundation
import JSON
import Tasks
import Tokenizer

/// The backend that sends tasks to a serving engine (vLLM, SGLang, llama.cpp's server, llama-cpp-python) over its
/// OpenAI-compatible `/v1/completions` API.
///
/// It is the tasks' `Generator` over HTTP; the tasks themselves are written once in `Tasks`. gptls keeps the
/// editor's side: prompts in the same formats as locally, stop rules applied as text streams in, supersede and
/// cancel (each closes the request's connection, so the engine stops), deadlines, metrics. The engine does the model
/// work. Prompts are sent as text (every engine accepts it). Where the model's tokenizer is given, windows and
/// metrics are in its tokens, as locally; otherwise in characters, and the metrics say so (`measure`).
///
/// Threading: methods may be called from any thread and return at once; callbacks run on the HTTP client's queue
/// or a timer thread and must return quickly.
public final class RemoteBackend: TaskBackend, Generator, @unchecked Sendable {
    /// Limits and prompt settings.
    public struct Options: Sendable {
        /// Seconds one generation or scoring request may take in all before it fails (a completion's own deadline
        /// usually ends it sooner; each piece of a long summary has its own).
        public var requestTimeout: TimeInterval = 60
        /// Seconds without a byte from the engine after which a request fails.
        public var idleTimeout: TimeInterval = 20
        /// Characters of text before the cursor sent as a completion prompt (the end of the document).
        public var completionCharacters = 3000
        /// Characters of a summary's or classification's input per request; longer text is split (summaries) or
        /// cut to its end (classification).
        public var inputCharacters = 2400
        /// The model's context in tokens, which windows fill where the backend has the tokenizer (GPT-2's 1024).
        public var contextTokens = 1024
        /// The instruction of summary prompts.
        public var summaryInstruction = PromptFormat.summaryInstruction
        /// Whether completions use fill-in-the-middle: `/infill` where the engine has it, else the model's layout
        /// over `/v1/completions` where it is known; `.off` sends the prefix alone.
        public var fim = FIMChoice.automatic

        public init() {}
    }

    public let endpoint: RemoteEndpoint
    public let options: Options
    /// The model's tokenizer, where the configuration names it; nil measures prompts in characters.
    public let tokenizer: BPETokenizer?
    let client: HTTPClient
    private let lock = NSLock()
    private var supersedable: [String: RemoteCall<TextResult>] = [:]
    private var inFlight: [ObjectIdentifier: any Cancellable] = [:]
    private var health: EndpointStatus
    private var isShutDown = false
    private var probedScoring: Result<PromptScoring, TaskError>?
    private var probedInfill = InfillSupport.untried

    public init(endpoint: RemoteEndpoint, options: Options = Options(), tokenizer: BPETokenizer? = nil) {
        self.endpoint = endpoint
        self.options = options
        self.tokenizer = tokenizer
        client = HTTPClient(idleTimeout: options.idleTimeout)
        // Health comes from the tasks' own requests: a background probe would compete with them, and
        // llama-cpp-python's server interrupts a streaming completion when any other request arrives.
        health = EndpointStatus(url: endpoint.displayURL, model: endpoint.model)
    }

    public var status: BackendStatus {
        lock.lock()
        defer { lock.unlock() }
        return BackendStatus(activeSequences: inFlight.count, endpoints: [health])
    }

    public func shutdown() {
        lock.lock()
        isShutDown = true
        let calls = Array(inFlight.values)
        lock.unlock()
        calls.forEach { $0.cancel() }
    }

    /// How the engine scores prompts (see `PromptScoring`); nil until the first zero-shot classification probes it.
    var scoring: Result<PromptScoring, TaskError>? {
        get {
            lock.lock()
            defer { lock.unlock() }
            return probedScoring
        }
        set {
            lock.lock()
            probedScoring = newValue
            lock.unlock()
        }
    }

    /// Whether the engine serves `/infill`, as the first completion found out.
    var infillSupport: InfillSupport {
        get {
            lock.lock()
            defer { lock.unlock() }
            return probedInfill
        }
        set {
            lock.lock()
            probedInfill = newValue
            lock.unlock()
        }
    }

    // MARK: Bookkeeping shared by the tasks

    /// A call registered for shutdown (and for supersede when `supersedeKey` is given); nil after shutdown.
    func makeCall<Value>(supersedeKey: String? = nil,
                         onFinish: @escaping @Sendable (Result<Value, TaskError>) -> Void) -> RemoteCall<Value>? {
        let call = RemoteCall<Value>(onFinish: onFinish, onEnd: { [weak self] identifier in
            guard let self else { return }
            self.lock.lock()
            self.inFlight.removeValue(forKey: identifier)
            if let supersedeKey, let current = self.supersedable[supersedeKey],
               ObjectIdentifier(current) == identifier {
                self.supersedable.removeValue(forKey: supersedeKey)
            }
            self.lock.unlock()
        })
        lock.lock()
        guard !isShutDown else {
            lock.unlock()
            onFinish(.failure(.cancelled))
            return nil
        }
        inFlight[ObjectIdentifier(call)] = call
        var replaced: RemoteCall<TextResult>?
        if let supersedeKey, let textCall = call as? RemoteCall<TextResult> {
            replaced = supersedable[supersedeKey]
            supersedable[supersedeKey] = textCall
        }
        lock.unlock()
        replaced?.finish(.failure(.superseded))
        call.schedule(at: .now() + options.requestTimeout) { [endpoint, options] in
            call.finish(.failure(.endpoint(endpoint.displayURL,
                                           cause: "no complete reply within \(Int(options.requestTimeout)) s")))
        }
        return call
    }

    /// A POST of `body` as JSON to `path` under the base URL.
    func post(_ path: String, _ body: JSONValue) -> HTTPRequest {
        .postJSON(endpoint.url(path), Data(body.serialize()), apiKey: endpoint.apiKey)
    }

    /// The task error of a failed exchange, and a note in the endpoint's health.
    func failure(_ cause: String) -> TaskError {
        record(error: cause)
        return .endpoint(endpoint.displayURL, cause: cause)
    }

    /// Notes the outcome of a request in the endpoint's health.
    func record(error: String?) {
        lock.lock()
        health.requests += 1
        if let error {
            health.failures += 1
            health.healthy = false
            health.lastError = error
        } else {
            health.healthy = true
        }
        lock.unlock()
    }
}
