import Foundation
import Tokenizer
import XCTest

/// Every Unicode scalar, each followed by a separator in turn, tokenizes as tiktoken does: the letter, number and
/// white-space classes of the scanner agree with tiktoken's regex engine on every code point, assigned or not.
final class EveryScalarTests: XCTestCase {
    func testEveryScalarTokenizesAsTiktoken() throws {
        let reference = try XCTUnwrap(Fixtures.json("every-scalar.json") as? [String: Any])
        let separators = try XCTUnwrap(reference["separators"] as? [String])
        let blockSize = try XCTUnwrap(reference["blockSize"] as? Int)
        let blocks = try XCTUnwrap(reference["blocks"] as? [String])
        // UTF-8 bytes built directly: appending to a String.UnicodeScalarView a million times is slow in debug builds.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(6_000_000)
        let separatorBytes = separators.map { Array($0.utf8) }
        for value in UInt32(0)..<0x11_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
            bytes.append(contentsOf: UTF8.encode(scalar)!)
            bytes.append(contentsOf: separatorBytes[Int(value) % separatorBytes.count])
        }
        XCTAssertEqual(bytes.count, reference["bytes"] as? Int)
        let tokenizer = try BPETokenizer.gpt2()
        let ids = tokenizer.encode(bytes: bytes)
        XCTAssertEqual(ids.count, reference["tokens"] as? Int)
        var differing: [String] = []
        for (index, start) in stride(from: 0, to: ids.count, by: blockSize).enumerated() {
            let slice = ids[start..<min(start + blockSize, ids.count)]
            if index >= blocks.count || CorpusTests.fnv1a64(slice) != blocks[index] {
                let scalars = tokenizer.decode(Array(slice)).unicodeScalars
                let range = "U+\(String(scalars.first?.value ?? 0, radix: 16))...U+\(String(scalars.last?.value ?? 0, radix: 16))"
                differing.append("block \(index) (\(range))")
            }
        }
        XCTAssertTrue(differing.isEmpty, "ids differ from tiktoken's in \(differing.count) blocks: "
            + differing.prefix(20).joined(separator: ", "))
    }
}
