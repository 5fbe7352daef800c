import CJansson

/// A parsed JSON document kept in jansson's tree, for inputs too large to copy whole into `JSONValue`s.
///
/// Members are found by a path of object keys; small ones are copied out as `JSONValue`, and the two shapes large
/// vocabulary files have (an object of integers, an array of strings or string arrays) are read straight from the
/// tree. Parsing follows `JSONValue.parse(_:)`: the same refusals, the same errors.
///
/// Threading: immutable after `init`; share it freely.
public final class JSONDocument: @unchecked Sendable {
    private let root: UnsafeMutablePointer<json_t>

    /// Parses one JSON value from UTF-8 bytes.
    public init<Bytes: Collection<UInt8>>(parsing bytes: Bytes) throws(JSONError) {
        root = try JSONValue.parseTree(bytes).get()
    }

    deinit { json_decref(root) }

    /// The value at `path` (object keys from the top), copied; nil where a step is missing or not an object.
    public func value(at path: [String] = []) -> JSONValue? {
        node(at: path).map { JSONValue(borrowing: $0) }
    }

    /// The keys of the object at `path`, in order; nil where there is no object at `path`.
    public func keys(at path: [String]) -> [String]? {
        guard let object = node(at: path), object.pointee.type == JSON_OBJECT else { return nil }
        var keys: [String] = []
        var iterator = json_object_iter(object)
        while let current = iterator {
            keys.append(JSONValue.string(bytes: json_object_iter_key(current), count: json_object_iter_key_len(current)))
            iterator = json_object_iter_next(object, current)
        }
        return keys
    }

    /// The members of the object at `path`, in order, with each value as an integer (nil for a value that is not
    /// an integer or a whole number); nil where there is no object at `path`.
    public func integerMembers(at path: [String]) -> [(key: String, value: Int64?)]? {
        guard let object = node(at: path), object.pointee.type == JSON_OBJECT else { return nil }
        var members: [(key: String, value: Int64?)] = []
        members.reserveCapacity(json_object_size(object))
        var iterator = json_object_iter(object)
        while let current = iterator {
            let key = JSONValue.string(bytes: json_object_iter_key(current), count: json_object_iter_key_len(current))
            let value = json_object_iter_value(current)!
            let integer: Int64?
            switch value.pointee.type {
            case JSON_INTEGER: integer = Int64(json_integer_value(value))
            case JSON_REAL: integer = Int64(exactly: json_real_value(value))
            default: integer = nil
            }
            members.append((key, integer))
            iterator = json_object_iter_next(object, current)
        }
        return members
    }

    /// An element of an array of strings or string arrays (`stringElements(at:)`).
    public enum StringElement: Equatable, Sendable {
        case string(String)
        case strings([String])
        /// Any other value.
        case other
    }

    /// The elements of the array at `path`, each a string, an array of only strings, or other; nil where there is
    /// no array at `path`.
    public func stringElements(at path: [String]) -> [StringElement]? {
        guard let array = node(at: path), array.pointee.type == JSON_ARRAY else { return nil }
        func string(_ json: UnsafeMutablePointer<json_t>) -> String? {
            guard json.pointee.type == JSON_STRING else { return nil }
            return JSONValue.string(bytes: json_string_value(json), count: json_string_length(json))
        }
        let count = json_array_size(array)
        var elements: [StringElement] = []
        elements.reserveCapacity(count)
        for index in 0..<count {
            let element = json_array_get(array, index)!
            if let single = string(element) {
                elements.append(.string(single))
            } else if element.pointee.type == JSON_ARRAY {
                var strings: [String] = []
                for inner in 0..<json_array_size(element) {
                    guard let text = string(json_array_get(element, inner)) else { break }
                    strings.append(text)
                }
                elements.append(strings.count == json_array_size(element) ? .strings(strings) : .other)
            } else {
                elements.append(.other)
            }
        }
        return elements
    }

    private func node(at path: [String]) -> UnsafeMutablePointer<json_t>? {
        var current = root
        for key in path {
            guard current.pointee.type == JSON_OBJECT else { return nil }
            // Keys may hold NUL only where jansson refused them already, so the C string is the whole key.
            guard let next = json_object_get(current, key) else { return nil }
            current = next
        }
        return current
    }
}
