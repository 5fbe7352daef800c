import JSON
import JSONRPC

/// Why a document was refused: it, or all open documents together, would be above a `DocumentLimits` limit, or the
/// process would be above its memory limit.
///
/// `didOpen` and `didChange` are notifications, so the refusal itself reaches the user as a `window/showMessage`;
/// every later request that names the document gets it as -32803 RequestFailed, with `data.reason` "documentTooLarge",
/// "openDocumentsTooLarge" or "memoryLimit", until the client closes the document or sends its whole text again within the limits.
public enum DocumentLimitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The document's text would be `bytes` long, above `limit`.
    case documentTooLarge(uri: String, bytes: Int, limit: Int)
    /// The session's open documents would cost `bytes` together, above `limit`.
    case openDocumentsTooLarge(uri: String, bytes: Int, limit: Int)
    /// Keeping the document would bring the process to `bytes` (resident memory, the KV memory its caches may still
    /// take, and the document), above `limit`: the process's memory limit less the room a step needs.
    case memoryLimit(uri: String, bytes: Int, limit: Int)

    public var uri: String {
        switch self {
        case .documentTooLarge(let uri, _, _), .openDocumentsTooLarge(let uri, _, _), .memoryLimit(let uri, _, _):
            return uri
        }
    }

    public var description: String {
        switch self {
        case .documentTooLarge(let uri, let bytes, let limit):
            return "\(uri) is \(bytes) bytes, above the limit of \(DocumentLimitError.shown(limit)) per document; "
                + "gptls does not keep it: close it, or send its whole text again once it is smaller"
        case .openDocumentsTooLarge(let uri, let bytes, let limit):
            return "\(uri) would bring the open documents to \(bytes) bytes, above the limit of "
                + "\(DocumentLimitError.shown(limit)) per connection; gptls does not keep it: close other documents, "
                + "then send its whole text again"
        case .memoryLimit(let uri, let bytes, let limit):
            return "\(uri) would bring the server to \(bytes >> 20) MiB, above the \(limit >> 20) MiB its memory limit "
                + "leaves for models, cache and documents; gptls does not keep it: close other documents or editors, "
                + "then send its whole text again"
        }
    }

    /// A limit as a message shows it: "33554432 bytes (32 MiB)", or just the bytes below a MiB.
    static func shown(_ limit: Int) -> String {
        limit >= 1 << 20 ? "\(limit) bytes (\(limit >> 20) MiB)" : "\(limit) bytes"
    }

    /// The reply to a request that names the refused document.
    public func responseError(_ method: String) -> ResponseError {
        let (reason, bytes, limit): (String, Int, Int)
        switch self {
        case .documentTooLarge(_, let size, let maximum): (reason, bytes, limit) = ("documentTooLarge", size, maximum)
        case .openDocumentsTooLarge(_, let size, let maximum):
            (reason, bytes, limit) = ("openDocumentsTooLarge", size, maximum)
        case .memoryLimit(_, let size, let maximum): (reason, bytes, limit) = ("memoryLimit", size, maximum)
        }
        return ResponseError(.requestFailed, "\(method): \(description)",
                             data: ["reason": .string(reason), "bytes": .int(bytes), "limit": .int(limit)])
    }
}
