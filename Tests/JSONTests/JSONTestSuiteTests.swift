import Foundation
import XCTest
import JSON

/// Runs every file of nst/JSONTestSuite's `test_parsing` (see Fixtures/JSONTestSuite/README.md) through the parser.
final class JSONTestSuiteTests: XCTestCase {
    private func files(prefix: String) throws -> [(name: String, bytes: [UInt8])] {
        let directory = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/JSONTestSuite/test_parsing",
                                                        withExtension: nil))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }
            .sorted()
        return try names.map { name in
            (name, [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    func testEveryYesFileParses() throws {
        let files = try files(prefix: "y_")
        XCTAssertEqual(files.count, 95)
        var refused: [String] = []
        for file in files {
            do {
                _ = try JSONValue.parse(file.bytes)
            } catch {
                refused.append(file.name)
                print("JSONTestSuite \(file.name): refused: \(error)")
            }
        }
        XCTAssertEqual(refused, Self.refusedYesFiles)
    }

    /// The one valid file jansson refuses: it does not support NUL in object keys (`{"foo\u0000bar": 42}`), and
    /// says so ("NUL byte in object key not supported"). No LSP message has such a key.
    static let refusedYesFiles = ["y_object_escaped_null_in_key.json"]

    func testEveryNoFileIsRejectedWithAnError() throws {
        let files = try files(prefix: "n_")
        XCTAssertEqual(files.count, 188)
        for file in files {
            XCTAssertThrowsError(try JSONValue.parse(file.bytes), file.name)
        }
    }

    /// Implementation-defined files: either outcome is fine, as long as nothing crashes. The outcome of each is
    /// printed and the accepted set is pinned, so a change of jansson's behaviour is noticed.
    func testImplementationDefinedFilesParseOrFailWithoutCrashing() throws {
        var accepted: [String] = []
        for file in try files(prefix: "i_") {
            do {
                let value = try JSONValue.parse(file.bytes)
                _ = value.serialize()
                accepted.append(file.name)
                print("JSONTestSuite \(file.name): accepted")
            } catch {
                print("JSONTestSuite \(file.name): rejected: \(error)")
            }
        }
        XCTAssertEqual(accepted, Self.acceptedImplementationDefinedFiles)
    }

    /// Numbers whose real value underflows to 0 or a subnormal, and 500 nested arrays (below `maximumDepth`).
    /// Everything else implementation-defined is refused: integers beyond Int64 and reals beyond Double
    /// ("too big" / "real number overflow"), invalid UTF-8 and lone surrogates (never put into a Swift string),
    /// UTF-16 input and a UTF-8 byte order mark.
    static let acceptedImplementationDefinedFiles = [
        "i_number_double_huge_neg_exp.json",
        "i_number_real_underflow.json",
        "i_structure_500_nested_arrays.json",
    ]
}
