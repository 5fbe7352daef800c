import XCTest
@testable import JSON

/// `JSONDocument`: members read from jansson's tree by path, and the same refusals as `JSONValue.parse`.
final class JSONDocumentTests: XCTestCase {
    func testMembersAreReadByPathInTheirShapes() throws {
        let text = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1.0, "c": 1.5, "d": "x"},"#
            + #" "merges": ["a b", ["a", "b"], ["a", 1], 2]}, "n": null}"#
        let document = try JSONDocument(parsing: Array(text.utf8))
        XCTAssertEqual(document.keys(at: []), ["model", "n"])
        XCTAssertEqual(document.keys(at: ["model"]), ["type", "vocab", "merges"])
        XCTAssertNil(document.keys(at: ["n"]))
        XCTAssertEqual(document.value(at: ["model", "type"]), .string("BPE"))
        XCTAssertNil(document.value(at: ["model", "type", "deeper"]))
        let members = try XCTUnwrap(document.integerMembers(at: ["model", "vocab"]))
        XCTAssertEqual(members.map(\.key), ["a", "b", "c", "d"])
        XCTAssertEqual(members.map(\.value), [0, 1, nil, nil])
        XCTAssertEqual(document.stringElements(at: ["model", "merges"]),
                       [.string("a b"), .strings(["a", "b"]), .other, .other])
        XCTAssertNil(document.stringElements(at: ["model", "vocab"]))
        XCTAssertNil(document.integerMembers(at: ["model", "merges"]))
    }

    func testInvalidInputIsRefusedAsTheParserRefusesIt() {
        for text in ["", "{", "[1]x", "{\"a\": 1}\u{0}"] {
            XCTAssertThrowsError(try JSONDocument(parsing: Array(text.utf8))) { error in
                XCTAssertEqual(error as? JSONError, Result { try JSONValue.parse(text) }.failureError)
            }
        }
    }

    func testTheTreeIsReleased() throws {
        let left = try JanssonAllocations.leftAllocated {
            let document = try JSONDocument(parsing: Array(#"{"a": [1, "b", {"c": null}]}"#.utf8))
            XCTAssertEqual(document.keys(at: []), ["a"])
        }
        XCTAssertEqual(left, 0)
    }
}

private extension Result {
    var failureError: JSONError? {
        if case .failure(let error) = self { return error as? JSONError }
        return nil
    }
}
