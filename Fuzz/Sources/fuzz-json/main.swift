import FuzzSupport
import JSON

// JSON parse and serialise: any bytes either parse or throw a `JSONError`; whatever parses serialises to text that
// parses back to the same value, and serialising that gives the same bytes again.
Fuzzer.run { data in
    let bytes = Array(data)
    guard let value = try? JSONValue.parse(bytes) else { return }
    let text = value.serialize()
    let reparsed: JSONValue
    do {
        reparsed = try JSONValue.parse(text)
    } catch {
        Fuzzer.fail("serialised JSON does not parse (\(error)): \(String(decoding: text, as: UTF8.self))")
    }
    guard reparsed == value else {
        Fuzzer.fail("round trip changed the value: \(String(decoding: text, as: UTF8.self))")
    }
    guard reparsed.serialize() == text else { Fuzzer.fail("serialising is not stable for \(String(decoding: text, as: UTF8.self))") }
    _ = value.jsonText
}
