import JSON
import JSONRPC
import Protocol

/// Shared fixtures: the document the transcripts open, and decoding as a session with a given set of open documents
/// does it: the document a request needs is checked first (`RequiredDocument`), then the params are decoded.
enum Decoding {
    typealias OpenDocuments = Set<String>

    static let stats = "file:///t/stats.py"
    /// A session in which only `stats` is open.
    static let statsOpen: OpenDocuments = [stats]
    static let noneOpen: OpenDocuments = []

    static func request<Request: RequestType>(_ type: Request.Type, _ params: JSONValue?,
                                              _ open: OpenDocuments = statsOpen) throws(ResponseError) -> Request {
        if let document = ClientRequest.requiredDocument(method: Request.method, params: params),
           !open.contains(document.uri) {
            throw document.notOpen
        }
        return try Request(params: params)
    }

    static func notification<Notification: NotificationType>(
        _ type: Notification.Type, _ params: JSONValue?
    ) throws(ResponseError) -> Notification {
        try Notification(params: params)
    }

    /// The error `body` throws, or nil when it decodes.
    static func error<T>(_ body: () throws(ResponseError) -> T) -> ResponseError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }
}
