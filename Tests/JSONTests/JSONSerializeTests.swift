import XCTest
@testable import JSON

final class JSONSerializeTests: XCTestCase {
    func testWritesCompactJSONWithKeysInOrder() {
        let value: JSONValue = ["z": 1, "a": [true, false, nil], "m": "x", "r": 0.5]
        XCTAssertEqual(value.jsonText, #"{"z":1,"a":[true,false,null],"m":"x","r":0.5}"#)
    }

    func testWritesAnyValueAsTheRoot() {
        XCTAssertEqual(JSONValue.integer(-5).jsonText, "-5")
        XCTAssertEqual(JSONValue.string("s").jsonText, #""s""#)
        XCTAssertEqual(JSONValue.null.jsonText, "null")
    }

    func testEscapesNULAndControlCharactersAndKeepsUnicodeAsUTF8() {
        let value: JSONValue = .string("a\u{0}b\"\\\n\u{1}é😀")
        XCTAssertEqual(value.jsonText, #""a\u0000b\"\\\n\u0001é😀""#)
    }

    func testRoundTripsStringsWithNULAndNonBMPCharacters() throws {
        let value: JSONValue = ["k😀": "v\u{0}\u{10FFFF}𝄞", "": ""]
        XCTAssertEqual(try JSONValue.parse(value.serialize()), value)
    }

    /// jansson writes such a key (it cannot read it back: see JSONTestSuiteTests.refusedYesFiles).
    func testWritesNULInsideKeysAsAnEscape() {
        let value: JSONValue = ["k\u{0}": 1]
        XCTAssertEqual(value.jsonText, #"{"k\u0000":1}"#)
    }

    func testRoundTripsIntegersAtTheEdgesAndRealsExactly() throws {
        let values: [JSONValue] = [.integer(.max), .integer(.min), .number(0.1), .number(-1e308), .number(.leastNonzeroMagnitude),
                                   .number(1.0)]
        for value in values {
            XCTAssertEqual(try JSONValue.parse(value.serialize()), value, value.jsonText)
        }
    }

    func testWritesNonFiniteNumbersAsNull() throws {
        let value: JSONValue = [.number(.nan), .number(.infinity), .number(-.infinity)]
        XCTAssertEqual(value.jsonText, "[null,null,null]")
        XCTAssertNoThrow(try JSONValue.parse(value.serialize()))
    }

    func testRoundTripsDeepNesting() throws {
        var value: JSONValue = "leaf"
        for _ in 0..<500 { value = ["k": [value]] }
        XCTAssertEqual(try JSONValue.parse(value.serialize()), value)
    }
}
