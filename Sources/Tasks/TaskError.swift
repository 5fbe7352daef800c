/// Why a backend could not finish a task. Messages read as sentences a user can act on.
public enum TaskError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The client cancelled it (or the server is shutting down).
    case cancelled
    /// A newer completion for the same document replaced it.
    case superseded
    /// Too much work is waiting; the task was not started.
    case busy(queued: Int, limit: Int)
    /// The task can never fit the backend's KV cache as configured.
    case tooLargeForCache(blocksNeeded: Int, capacity: Int)
    /// A serving engine the task was sent to failed it: `endpoint` is its URL, `cause` a sentence.
    case endpoint(String, cause: String)
    /// Anything else that went wrong, as a sentence.
    case failed(String)

    public var description: String {
        switch self {
        case .cancelled: return "the request was cancelled"
        case .superseded: return "a newer request for the same document replaced this one"
        case .busy(let queued, let limit):
            return "the server is busy: \(queued) jobs are waiting (limit \(limit)); try again shortly"
        case .tooLargeForCache(let needed, let capacity):
            return "the request needs \(needed) KV cache blocks but the cache has \(capacity); "
                + "raise cacheBudgetMB or ask for fewer tokens"
        case .endpoint(let endpoint, let cause): return "the model server at \(endpoint) failed: \(cause)"
        case .failed(let message): return message
        }
    }
}
