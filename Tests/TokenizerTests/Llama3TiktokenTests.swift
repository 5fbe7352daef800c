import Foundation
import Tokenizer
import XCTest

/// Llama 3's `tokenizer.model` (a tiktoken rank file): read with Llama 3's pattern and its 256 special tokens; other
/// files of that name are refused. A synthetic rank file of the right size stands in for Meta's here; the real one
/// is checked against tiktoken in FamilyVocabularyTests.
final class Llama3TiktokenTests: XCTestCase {
    /// 128000 distinct tokens: every byte, every pair of bytes, then triples.
    private func rankFile() -> Data {
        var lines = ""
        lines.reserveCapacity(128_000 * 12)
        var rank = 0
        func add(_ bytes: [UInt8]) {
            lines += Data(bytes).base64EncodedString() + " \(rank)\n"
            rank += 1
        }
        for a in 0..<256 { add([UInt8(a)]) }
        for a in 0..<256 { for b in 0..<256 { add([UInt8(a), UInt8(b)]) } }
        outer: for a in 0..<256 {
            for b in 0..<256 {
                for c in 0..<256 {
                    if rank == 128_000 { break outer }
                    add([UInt8(a), UInt8(b), UInt8(c)])
                }
            }
        }
        return Data(lines.utf8)
    }

    private func directory(_ data: Data) throws -> URL {
        let directory = try Fixtures.temporaryDirectory(self)
        try data.write(to: directory.appendingPathComponent("tokenizer.model"))
        return directory
    }

    func testRankFileGetsLlama3PatternAndSpecialTokens() throws {
        let directory = try directory(rankFile())
        XCTAssertTrue(BPETokenizer.hasVocabulary(in: directory))
        let tokenizer = try BPETokenizer(directory: directory)
        XCTAssertEqual(tokenizer.vocabularySize, 128_256)
        XCTAssertEqual(tokenizer.splitPattern, .llama3)
        XCTAssertEqual(tokenizer.specialTokens.count, 256)
        XCTAssertEqual(tokenizer.id(forSpecial: "<|begin_of_text|>"), 128_000)
        XCTAssertEqual(tokenizer.id(forSpecial: "<|eot_id|>"), 128_009)
        XCTAssertEqual(tokenizer.id(forSpecial: "<|python_tag|>"), 128_010)
        XCTAssertEqual(tokenizer.id(forSpecial: "<|reserved_special_token_3|>"), 128_011)
        XCTAssertEqual(tokenizer.roles.endTokens, [128_001, 128_008, 128_009])
        XCTAssertTrue(tokenizer.roles.addsBOS)
        // Llama 3's pattern: upper-case contractions split off, numbers in threes.
        XCTAssertEqual(tokenizer.encode("IT'S 12345").map { tokenizer.decode([$0]) }, ["IT", "'S", " ", "12", "3", "45"],
                       "pieces IT, 'S, space, 123, 45; this file has no token \"123\"")
        let text = "<|eot_id|>"
        XCTAssertFalse(tokenizer.encode(text).contains(128_009))
        XCTAssertEqual(tokenizer.encode(text, allowedSpecial: [text]), [128_009])
        XCTAssertEqual(tokenizer.decode([72, 128_009], skippingSpecialTokens: true), "H")
    }

    func testOtherFilesNamedTokenizerModelAreRefused() throws {
        func error(_ data: Data) throws -> TokenizerError? {
            do {
                _ = try BPETokenizer(directory: directory(data))
                XCTFail("loading succeeded")
            } catch let error as TokenizerError {
                XCTAssertTrue(error.description.contains("tokenizer.model"), "\(error)")
                return error
            }
            return nil
        }
        // A SentencePiece model is a protocol buffer: its first byte is a field tag.
        guard case .unsupported(_, let feature) = try error(Data([0x0A, 0x0B, 0x0A, 0x05, 0x3C, 0x75, 0x6E, 0x6B, 0x3E])),
              feature.contains("SentencePiece") else { return XCTFail("SentencePiece") }
        let gpt2Sized = (0..<256).map { Data([UInt8($0)]).base64EncodedString() + " \($0)" }.joined(separator: "\n")
        guard case .wrongFormat(_, let reason) = try error(Data(gpt2Sized.utf8)), reason.contains("128000") else {
            return XCTFail("a rank file of another size")
        }
        guard case .wrongFormat = try error(Data("YQ== 16000000\nYg== 1\n".utf8)) else { return XCTFail("a huge rank") }
        guard case .wrongFormat = try error(Data()) else { return XCTFail("an empty file") }
        let data = rankFile()
        for cut in [1, 1000, data.count / 2, data.count - 3] {
            _ = try error(data.prefix(cut))  // truncated: a typed error, whatever it is
        }
    }
}
