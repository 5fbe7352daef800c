import JSON
import JSONRPC
import Protocol

/// Shared fixtures: the document the transcripts open, and decoding with a given set of open documents.
enum Decoding {
    static let stats = "file:///t/stats.py"
    /// A session in which only `stats` is open.
    static let statsOpen = DecodingContext(openDocuments: [stats])
    static let noneOpen = DecodingContext(openDocuments: [])

    static func request<Request: RequestType>(_ type: Request.Type, _ params: JSONValue?,
                                              _ context: DecodingContext = statsOpen) throws(ResponseError) -> Request {
        try Request(params: params, context: context)
    }

    static func notification<Notification: NotificationType>(
        _ type: Notification.Type, _ params: JSONValue?, _ context: DecodingContext = statsOpen
    ) throws(ResponseError) -> Notification {
        try Notification(params: params, context: context)
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
