import JSON
import JSONRPC

/// Reading members out of params, with -32602 errors that name the missing or bad member.
enum Params {
    /// `params` itself, which must be an object.
    static func object(_ params: JSONValue?, _ method: String) throws(ResponseError) -> JSONValue {
        guard let params, case .object = params else {
            throw ResponseError(.invalidParams, "\(method): params must be an object")
        }
        return params
    }

    static func string(_ value: JSONValue?, _ path: String) throws(ResponseError) -> String {
        guard let text = value?.string else { throw missing(path, "a string", value) }
        return text
    }

    static func integer(_ value: JSONValue?, _ path: String) throws(ResponseError) -> Int {
        guard let number = value?.int else { throw missing(path, "an integer", value) }
        return number
    }

    /// A member that is absent or `null` reads as nil.
    static func present(_ value: JSONValue?) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        return value
    }

    /// The settings a configuration value holds: its `gptls` member when it has one, else the value itself.
    static func gptlsSection(_ value: JSONValue?) -> JSONValue? {
        value.map { $0["gptls"] ?? $0 }
    }

    private static func missing(_ path: String, _ expected: String, _ value: JSONValue?) -> ResponseError {
        ResponseError(.invalidParams, "\(path) must be \(expected), not \(value?.jsonText ?? "missing")")
    }
}
