import JSON

/// The id of a JSON-RPC request: an integer or a string (LSP: `integer | string`), compared exactly as sent.
public enum RequestID: Hashable, Sendable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    /// The id as it reads in `json`; nil for any other JSON type (null, float, bool, array, object).
    public init?(json: JSONValue) {
        switch json {
        case .integer(let value): self = .int(value)
        case .string(let value): self = .string(value)
        default: return nil
        }
    }

    public var json: JSONValue {
        switch self {
        case .int(let value): return .integer(value)
        case .string(let value): return .string(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): return "\(value)"
        case .string(let value): return value.debugDescription
        }
    }
}

extension RequestID: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }
}
