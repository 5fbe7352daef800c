import CJansson

extension JSONValue {
    /// The compact JSON text of this value, as UTF-8 bytes (no trailing newline).
    ///
    /// Written by `json_dumpb` with `JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER`: any value may be the
    /// root, object keys come out in their order, non-ASCII characters are written as UTF-8 (not `\u` escapes),
    /// and NUL inside strings and keys is written as `\u0000`. Reals use jansson's `%.17g`, so they read back
    /// exactly (0.1 is written `0.10000000000000001`).
    ///
    /// Non-finite doubles (NaN, ±infinity) have no JSON form: they are written as `null`, as JavaScript's
    /// `JSON.stringify` does, so the output is always valid JSON.
    public func serialize() -> [UInt8] {
        let json = makeJansson()
        defer { json_decref(json) }
        let flags = Int(JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER)
        let size = json_dumpb(json, nil, 0, flags)
        precondition(size > 0, "json_dumpb failed on a tree built from a JSONValue")
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBytes { raw in
            json_dumpb(json, raw.baseAddress!.assumingMemoryBound(to: CChar.self), size, flags)
        }
        precondition(written == size, "json_dumpb wrote \(written) bytes, announced \(size)")
        return bytes
    }

    /// The compact JSON text of this value as a String (see `serialize()`).
    public var jsonText: String { String(decoding: serialize(), as: UTF8.self) }

    /// A new json_t tree owning one reference, which the caller must release with `json_decref`.
    func makeJansson() -> UnsafeMutablePointer<json_t> {
        let made: UnsafeMutablePointer<json_t>?
        switch self {
        case .null:
            made = json_null()
        case .bool(let value):
            made = value ? json_true() : json_false()
        case .integer(let value):
            made = json_integer(json_int_t(value))
        case .number(let value):
            made = value.isFinite ? json_real(value) : json_null()
        case .string(let value):
            made = JSONValue.withUTF8(value) { json_stringn($0, $1) }
        case .array(let elements):
            made = json_array()
            for element in elements {
                // `_new` steals the reference, also on failure.
                let status = json_array_append_new(made, element.makeJansson())
                precondition(status == 0, "json_array_append_new failed")
            }
        case .object(let object):
            made = json_object()
            for (key, value) in object.members {
                let status = JSONValue.withUTF8(key) { json_object_setn_new(made, $0, $1, value.makeJansson()) }
                precondition(status == 0, "json_object_setn_new failed for key \(key.debugDescription)")
            }
        }
        guard let made else { preconditionFailure("jansson could not allocate a \(typeName)") }
        return made
    }

    /// Calls `body` with a pointer to the UTF-8 bytes of `text` and their count (never a NULL pointer).
    private static func withUTF8<R>(_ text: String, _ body: (UnsafePointer<CChar>, Int) -> R) -> R {
        var text = text
        return text.withUTF8 { utf8 in
            if let base = utf8.baseAddress {
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { body($0, utf8.count) }
            }
            return withUnsafeBytes(of: CChar(0)) { body($0.baseAddress!.assumingMemoryBound(to: CChar.self), 0) }
        }
    }
}
