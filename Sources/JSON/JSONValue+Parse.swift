import CJansson

extension JSONValue {
    /// The deepest nesting of arrays and objects the parser accepts: jansson's `JSON_PARSER_MAX_DEPTH`.
    /// Deeper input is refused with `.tooDeeplyNested` instead of exhausting the stack.
    public static let maximumDepth = Int(JSON_PARSER_MAX_DEPTH)

    /// Parses one JSON value (of any type, not only objects and arrays) from UTF-8 bytes.
    ///
    /// Uses `json_loadb` over exactly `bytes.count` bytes, so the input need not be NUL-terminated and may contain
    /// NUL inside strings (`"\u0000"`, kept in the Swift string; a NUL in an object key is refused by jansson).
    /// Anything after the value other than whitespace is an error, as are invalid UTF-8, integers beyond `Int64`,
    /// reals beyond `Double`, nesting deeper than `maximumDepth`, and a raw NUL byte anywhere (valid JSON
    /// writes NUL only as the escape `\u0000`; jansson 2.14 would skip a raw NUL after a number or keyword, so
    /// `[1<NUL>]` is refused here before jansson sees it). A duplicate key keeps its last value.
    /// jansson refuses `\u0000` inside an object key ("NUL byte in object key not supported").
    ///
    /// Complexity: O(n) in the input; the json_t tree is released before returning.
    public static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(JSONError) -> JSONValue {
        let parsed = bytes.withContiguousStorageIfAvailable { buffer in
            parse(UnsafeRawBufferPointer(buffer))
        } ?? Array(bytes).withUnsafeBytes { parse($0) }
        return try parsed.get()
    }

    /// Parses one JSON value from the UTF-8 of `text`: see `parse(_:)` over bytes.
    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private static func parse(_ buffer: UnsafeRawBufferPointer) -> Result<JSONValue, JSONError> {
        parseTree(buffer).map { root in
            defer { json_decref(root) }
            return JSONValue(borrowing: root)
        }
    }

    /// jansson's tree of one JSON value, owned by the caller (who releases it with `json_decref`).
    static func parseTree<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Result<UnsafeMutablePointer<json_t>, JSONError> {
        bytes.withContiguousStorageIfAvailable { buffer in
            parseTree(UnsafeRawBufferPointer(buffer))
        } ?? Array(bytes).withUnsafeBytes { parseTree($0) }
    }

    private static func parseTree(_ buffer: UnsafeRawBufferPointer) -> Result<UnsafeMutablePointer<json_t>, JSONError> {
        if let nul = buffer.firstIndex(of: 0) { return .failure(JSONError(rawNULAt: nul, in: buffer)) }
        let flags = JSON_DECODE_ANY | JSON_ALLOW_NUL
        var error = json_error_t()
        // jansson refuses a NULL buffer even with length 0; an empty buffer must reach it as "premature end".
        let root: UnsafeMutablePointer<json_t>? = withUnsafeBytes(of: UInt8(0)) { placeholder in
            let start = (buffer.baseAddress ?? placeholder.baseAddress!).assumingMemoryBound(to: CChar.self)
            return json_loadb(start, buffer.count, Int(flags), &error)
        }
        guard let root else { return .failure(JSONError(jansson: &error)) }
        return .success(root)
    }

    /// Copies a json_t tree into Swift values. Borrows `json`: the caller keeps its reference and releases it.
    init(borrowing json: UnsafeMutablePointer<json_t>) {
        switch json.pointee.type {
        case JSON_NULL:
            self = .null
        case JSON_TRUE:
            self = .bool(true)
        case JSON_FALSE:
            self = .bool(false)
        case JSON_INTEGER:
            self = .integer(Int64(json_integer_value(json)))
        case JSON_REAL:
            self = .number(json_real_value(json))
        case JSON_STRING:
            self = .string(JSONValue.string(bytes: json_string_value(json), count: json_string_length(json)))
        case JSON_ARRAY:
            let count = json_array_size(json)
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                elements.append(JSONValue(borrowing: json_array_get(json, index)))
            }
            self = .array(elements)
        case JSON_OBJECT:
            var object = JSONObject()
            var iterator = json_object_iter(json)
            while let current = iterator {
                let key = JSONValue.string(bytes: json_object_iter_key(current), count: json_object_iter_key_len(current))
                object[key] = JSONValue(borrowing: json_object_iter_value(current))
                iterator = json_object_iter_next(json, current)
            }
            self = .object(object)
        default:
            preconditionFailure("jansson returned a json_t of unknown type \(json.pointee.type)")
        }
    }

    /// A Swift string from `count` bytes that jansson has already validated as UTF-8 (they may include NUL).
    static func string(bytes: UnsafePointer<CChar>?, count: Int) -> String {
        guard let bytes, count > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}

extension JSONError {
    /// The error for a raw NUL byte at `offset`, located the way jansson locates errors (line and character column).
    init(rawNULAt offset: Int, in buffer: UnsafeRawBufferPointer) {
        let before = buffer[..<offset]
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        // Columns count characters: every byte that is not a UTF-8 continuation byte starts one.
        let column = buffer[lineStart..<offset].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        self.init(kind: .nulCharacter, text: "raw NUL byte (a NUL must be written as \\u0000 inside a string)",
                  line: line, column: column, position: offset)
    }

    init(jansson error: inout json_error_t) {
        let code = json_error_code(&error)
        let text = withUnsafeBytes(of: &error.text) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let kind: Kind
        switch code {
        case json_error_invalid_utf8: kind = .invalidUTF8
        case json_error_invalid_syntax: kind = .invalidSyntax
        case json_error_premature_end_of_input: kind = .prematureEndOfInput
        case json_error_end_of_input_expected: kind = .endOfInputExpected
        case json_error_stack_overflow: kind = .tooDeeplyNested
        case json_error_numeric_overflow: kind = .numericOverflow
        case json_error_null_character, json_error_null_byte_in_key: kind = .nulCharacter
        default: kind = .other
        }
        self.init(kind: kind, text: text, line: Int(error.line), column: Int(error.column),
                  position: Int(error.position))
    }
}
