/// A JSON object whose members keep their insertion order.
///
/// Lookup is O(1) through an index; setting an existing key replaces its value in place (the key keeps its
/// position), which is also what jansson does with a duplicate key in the input: the last value wins.
/// Equality ignores order: `{"a":1,"b":2}` equals `{"b":2,"a":1}`.
public struct JSONObject: Equatable, Sendable {
    public private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    public init() {}

    /// An object with `members` in the given order; a repeated key keeps its first position and its last value.
    public init(_ members: [(String, JSONValue)]) {
        for (key, value) in members { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The members in order.
    public var members: [(key: String, value: JSONValue)] { keys.map { ($0, values[$0]!) } }

    /// The value of `key`; setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.values == rhs.values
    }
}
