/// A JSON value held in Swift: the only JSON representation the rest of gptls sees.
///
/// Numbers keep the distinction JSON-RPC needs: `integer` for numbers written without fraction or exponent that fit
/// in `Int64` (request ids, positions, versions), `number` for everything else. Integers beyond `Int64` are refused
/// by the parser (jansson: "too big integer"), so they never silently lose precision.
///
/// Objects keep their keys in insertion order (`JSONObject`), so output is deterministic and reads like the input;
/// equality ignores key order, as JSON does.
///
/// Threading: a plain value type, `Sendable`; share it freely.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// The member `key` of an object, or nil when this is not an object or has no such member.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The element at `index` of an array, or nil when this is not an array or the index is out of range.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value as an `Int64`: integers, and numbers with no fractional part that fit (`2.0` is 2).
    public var int64: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The value as an `Int`: see `int64`.
    public var int: Int? { int64.flatMap { Int(exactly: $0) } }

    /// The value as a `Double`: numbers, and integers (converted, possibly rounded beyond 2^53).
    public var double: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        default: return nil
        }
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var object: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The JSON type name ("null", "boolean", "integer", "number", "string", "array", "object"), for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
