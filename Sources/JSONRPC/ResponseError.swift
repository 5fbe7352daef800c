import JSON

/// The `error` member of a JSON-RPC response: `{code, message, data?}`.
///
/// Also a Swift `Error`, so handlers can `throw ResponseError(.invalidParams, "...")` and the client helper throws
/// the error a server sent.
public struct ResponseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var data: JSONValue?

    public init(_ code: ErrorCode, _ message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var json: JSONValue {
        var object: JSONObject = ["code": .int(code.rawValue), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    /// The error that `json` describes, or nil when it is not an object with an integer `code` and string `message`.
    public init?(json: JSONValue) {
        guard let code = json["code"]?.int, let message = json["message"]?.string,
              case .integer = json["code"] else { return nil }
        self.init(ErrorCode(code), message, data: json["data"])
    }

    public var description: String { "error \(code): \(message)" }
}
