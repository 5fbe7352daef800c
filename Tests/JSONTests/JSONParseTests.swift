import XCTest
@testable import JSON

final class JSONParseTests: XCTestCase {
    func testParsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(#"{"n":null,"t":true,"f":false,"i":-42,"r":1.5,"s":"x","a":[1,"b"],"o":{}}"#)
        XCTAssertEqual(value, ["n": nil, "t": true, "f": false, "i": -42, "r": 1.5, "s": "x", "a": [1, "b"], "o": [:]])
    }

    func testAcceptsAnyValueAsTheRoot() throws {
        XCTAssertEqual(try JSONValue.parse("3"), .integer(3))
        XCTAssertEqual(try JSONValue.parse(#""text""#), .string("text"))
        XCTAssertEqual(try JSONValue.parse(" null "), .null)
    }

    func testDistinguishesIntegersFromNumbers() throws {
        XCTAssertEqual(try JSONValue.parse("7"), .integer(7))
        XCTAssertEqual(try JSONValue.parse("7.0"), .number(7))
        XCTAssertEqual(try JSONValue.parse("7e0"), .number(7))
        XCTAssertEqual(try JSONValue.parse("9223372036854775807"), .integer(.max))
        XCTAssertEqual(try JSONValue.parse("-9223372036854775808"), .integer(.min))
    }

    func testRefusesIntegersBeyondInt64() {
        XCTAssertThrowsError(try JSONValue.parse("9223372036854775808")) { error in
            XCTAssertEqual((error as? JSONError)?.kind, .numericOverflow)
        }
    }

    func testRefusesTrailingGarbage() {
        XCTAssertThrowsError(try JSONValue.parse(#"{"a":1} x"#)) { error in
            XCTAssertEqual((error as? JSONError)?.kind, .endOfInputExpected)
        }
        XCTAssertThrowsError(try JSONValue.parse("{} {}"))
    }

    func testRefusesEmptyAndTruncatedInput() {
        XCTAssertThrowsError(try JSONValue.parse([UInt8]())) { error in
            XCTAssertEqual((error as? JSONError)?.kind, .prematureEndOfInput)
        }
        XCTAssertThrowsError(try JSONValue.parse(#"{"a":"#)) { error in
            XCTAssertEqual((error as? JSONError)?.kind, .prematureEndOfInput)
        }
    }

    func testRefusesInvalidUTF8WithItsPosition() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        XCTAssertThrowsError(try JSONValue.parse(bytes)) { error in
            guard let error = error as? JSONError else { return XCTFail("not a JSONError: \(error)") }
            XCTAssertEqual(error.kind, .invalidUTF8)
            XCTAssertEqual(error.line, 1)
            XCTAssertTrue(error.text.contains("0xff"), error.text)
            XCTAssertTrue(error.description.contains("line 1"), error.description)
        }
    }

    func testKeepsNULInsideStrings() throws {
        let value = try JSONValue.parse(#"["a\u0000b"]"#)
        XCTAssertEqual(value[0]?.string, "a\u{0}b")
        XCTAssertEqual(value[0]?.string?.utf8.count, 3)
    }

    func testRefusesRawNULBytesEvenWhereJanssonWouldSkipThem() {
        for text in ["123\u{0}", "[1\u{0}]", "[true\u{0}]", "\"a\u{0}b\"", "{}\u{0}"] {
            XCTAssertThrowsError(try JSONValue.parse(text), text.debugDescription) { error in
                XCTAssertEqual((error as? JSONError)?.kind, .nulCharacter)
            }
        }
        XCTAssertThrowsError(try JSONValue.parse("[\"é\",\n 1\u{0}]")) { error in
            XCTAssertEqual((error as? JSONError)?.line, 2)
            XCTAssertEqual((error as? JSONError)?.column, 3)
            XCTAssertEqual((error as? JSONError)?.position, 9)
        }
    }

    func testRefusesNULInObjectKeys() {
        XCTAssertThrowsError(try JSONValue.parse(#"{"a\u0000b":1}"#)) { error in
            XCTAssertEqual((error as? JSONError)?.kind, .nulCharacter)
        }
    }

    func testDecodesNonBMPCharactersFromRawBytesAndSurrogatePairs() throws {
        XCTAssertEqual(try JSONValue.parse(#"["😀", "\ud83d\ude00", "é中"]"#), ["😀", "😀", "é中"])
    }

    func testRefusesLoneSurrogateEscapes() {
        XCTAssertThrowsError(try JSONValue.parse(#"["\ud800"]"#))
    }

    func testDuplicateKeyKeepsItsLastValueAtItsFirstPosition() throws {
        let object = try XCTUnwrap(JSONValue.parse(#"{"a":1,"b":2,"a":3}"#).object)
        XCTAssertEqual(object.keys, ["a", "b"])
        XCTAssertEqual(object["a"], 3)
    }

    func testKeepsObjectKeyOrder() throws {
        let object = try XCTUnwrap(JSONValue.parse(#"{"z":1,"a":2,"m":3}"#).object)
        XCTAssertEqual(object.keys, ["z", "a", "m"])
    }

    func testAcceptsNestingUpToTheLimitAndRefusesDeeper() throws {
        let depth = JSONValue.maximumDepth
        let accepted = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        XCTAssertNoThrow(try JSONValue.parse(accepted))
        let refused = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        XCTAssertThrowsError(try JSONValue.parse(refused)) { error in
            XCTAssertEqual((error as? JSONError)?.kind, .tooDeeplyNested)
        }
        XCTAssertThrowsError(try JSONValue.parse(String(repeating: "[", count: 100_000)))
    }

    func testParsesFromSlicesAndNonContiguousCollections() throws {
        let bytes = Array("xx[1,2]yy".utf8)
        XCTAssertEqual(try JSONValue.parse(bytes[2..<7]), [1, 2])
        XCTAssertEqual(try JSONValue.parse(Array("[true]".utf8).lazy.map { $0 }), [true])
    }

    func testAccessorsReturnNilForOtherTypes() throws {
        let value: JSONValue = ["id": 2.0, "name": "x", "list": [1]]
        XCTAssertEqual(value["id"]?.int, 2)
        XCTAssertNil(JSONValue.number(2.5).int)
        XCTAssertEqual(JSONValue.integer(3).double, 3)
        XCTAssertNil(value["name"]?.int)
        XCTAssertNil(value["missing"])
        XCTAssertNil(value["list"]?[1])
        XCTAssertNil(JSONValue.string("x")["key"])
        XCTAssertEqual(value["list"]?.typeName, "array")
    }

    func testObjectEqualityIgnoresKeyOrder() {
        XCTAssertEqual(JSONValue(dictionaryLiteral: ("a", 1), ("b", 2)), ["b": 2, "a": 1])
        XCTAssertNotEqual(JSONValue(dictionaryLiteral: ("a", 1)), ["a": 2])
    }
}
