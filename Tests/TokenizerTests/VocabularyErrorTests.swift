import Foundation
@testable import Tokenizer
import XCTest

/// Missing, truncated, inconsistent and wrong-format vocabulary files give a typed error that names the file.
final class VocabularyErrorTests: XCTestCase {
    /// A tiny valid vocabulary: the 256 byte tokens, then "ab" (256) and "abc" (257).
    private func tinyVocabulary() -> [String: Int] {
        var vocabulary: [String: Int] = [:]
        for byte in 0..<256 { vocabulary[String(ByteLevel.characterOfByte[byte])] = byte }
        vocabulary["ab"] = 256
        vocabulary["abc"] = 257
        return vocabulary
    }

    private func directory(vocabulary: Any? = nil, merges: String? = nil, raw: [String: String] = [:]) throws -> URL {
        let directory = try Fixtures.temporaryDirectory(self)
        if let vocabulary {
            try JSONSerialization.data(withJSONObject: vocabulary).write(to: directory.appendingPathComponent("vocab.json"))
        }
        if let merges { try Data(merges.utf8).write(to: directory.appendingPathComponent("merges.txt")) }
        for (name, text) in raw { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    /// Loads and returns the error, checking it is a TokenizerError whose message names `file`.
    private func loadError(_ directory: URL, naming file: String, line: UInt = #line) -> TokenizerError? {
        do {
            _ = try BPETokenizer(directory: directory)
            XCTFail("loading succeeded", line: line)
            return nil
        } catch let error as TokenizerError {
            XCTAssertTrue(error.description.contains(file), "\"\(error)\" does not name \(file)", line: line)
            return error
        } catch {
            XCTFail("untyped error \(error)", line: line)
            return nil
        }
    }

    func testTinyVocabularyLoadsAndMerges() throws {
        let tokenizer = try BPETokenizer(directory: directory(vocabulary: tinyVocabulary(), merges: "#version: 0.2\na b\nab c\n"))
        XCTAssertEqual(tokenizer.encode("abcab"), [257, 256])
        XCTAssertEqual(tokenizer.vocabularySize, 258)
        XCTAssertNil(tokenizer.endOfText)
    }

    func testMissingDirectory() {
        let missing = URL(fileURLWithPath: "/nonexistent/model-\(UUID().uuidString)")
        XCTAssertEqual(loadError(missing, naming: missing.path), .missingFile(path: missing.path))
    }

    func testDirectoryWithoutVocabulary() throws {
        let empty = try directory(raw: ["config.json": "{}"])
        XCTAssertEqual(loadError(empty, naming: empty.path), .noVocabulary(directory: empty.path))
        XCTAssertFalse(BPETokenizer.hasVocabulary(in: empty))
    }

    func testMergesFileMissingBesideVocabJSON() throws {
        let directory = try directory(vocabulary: tinyVocabulary())
        let merges = directory.appendingPathComponent("merges.txt").path
        XCTAssertEqual(loadError(directory, naming: "merges.txt"), .missingFile(path: merges))
    }

    func testTruncatedJSON() throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: tinyVocabulary()), as: UTF8.self)
        let directory = try directory(merges: "a b\n", raw: ["vocab.json": String(json.prefix(json.count / 2))])
        guard case .invalidJSON = loadError(directory, naming: "vocab.json") else { return XCTFail("expected invalidJSON") }
    }

    func testEmptyVocabularyFile() throws {
        let directory = try directory(merges: "a b\n", raw: ["vocab.json": ""])
        XCTAssertEqual(loadError(directory, naming: "vocab.json")?.description.contains("empty"), true)
    }

    func testVocabularyThatIsNotAnObject() throws {
        let directory = try directory(vocabulary: ["a", "b"], merges: "a b\n")
        guard case .wrongFormat = loadError(directory, naming: "vocab.json") else { return XCTFail("expected wrongFormat") }
    }

    func testNonIntegerId() throws {
        var vocabulary: [String: Any] = tinyVocabulary()
        vocabulary["ab"] = "256"
        let directory = try directory(vocabulary: vocabulary, merges: "a b\n")
        guard case .wrongFormat = loadError(directory, naming: "vocab.json") else { return XCTFail("expected wrongFormat") }
    }

    func testMergeOfUnknownToken() throws {
        let directory = try directory(vocabulary: tinyVocabulary(), merges: "#version: 0.2\na b\nab zz\n")
        let merges = directory.appendingPathComponent("merges.txt").path
        XCTAssertEqual(loadError(directory, naming: "merges.txt"), .mergeOfUnknownToken(path: merges, line: 3, token: "zz"))
    }

    func testMergeWhoseResultIsNotInTheVocabulary() throws {
        let directory = try directory(vocabulary: tinyVocabulary(), merges: "a b\nb c\n")
        let merges = directory.appendingPathComponent("merges.txt").path
        XCTAssertEqual(loadError(directory, naming: "merges.txt"), .mergedTokenMissing(path: merges, line: 2, token: "bc"))
    }

    func testMalformedMergeLine() throws {
        let directory = try directory(vocabulary: tinyVocabulary(), merges: "a b\na b c\n")
        guard case .wrongFormat(_, let reason) = loadError(directory, naming: "merges.txt") else { return XCTFail() }
        XCTAssertTrue(reason.contains("line 2"), reason)
    }

    func testDuplicateIds() throws {
        var vocabulary = tinyVocabulary()
        vocabulary["abc"] = 256
        let directory = try directory(vocabulary: vocabulary, merges: "a b\n")
        let path = directory.appendingPathComponent("vocab.json").path
        XCTAssertEqual(loadError(directory, naming: "vocab.json"), .duplicateID(path: path, id: 256, first: "ab", second: "abc"))
    }

    func testMissingByteToken() throws {
        var vocabulary = tinyVocabulary()
        vocabulary["a"] = nil
        vocabulary["ab"] = nil
        vocabulary["abc"] = nil
        let directory = try directory(vocabulary: vocabulary, merges: "")
        let path = directory.appendingPathComponent("vocab.json").path
        XCTAssertEqual(loadError(directory, naming: "vocab.json"), .missingByteToken(path: path, byte: UInt8(ascii: "a")))
    }

    func testTokenizerJSONWithAnotherModelOrPreTokenizer() throws {
        let wordPiece = try directory(raw: ["tokenizer.json": #"{"model": {"type": "WordPiece", "vocab": {}}}"#])
        guard case .unsupported = loadError(wordPiece, naming: "tokenizer.json") else { return XCTFail("WordPiece") }
        let whitespace = try directory(raw: ["tokenizer.json":
            #"{"pre_tokenizer": {"type": "Whitespace"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#])
        guard case .unsupported = loadError(whitespace, naming: "tokenizer.json") else { return XCTFail("Whitespace") }
        let noModel = try directory(raw: ["tokenizer.json": #"{"version": "1.0"}"#])
        guard case .wrongFormat = loadError(noModel, naming: "tokenizer.json") else { return XCTFail("no model") }
    }

    func testAddedTokenThatClashesWithAVocabularyIdOrHasABadId() throws {
        let vocabulary = tinyVocabulary()
        func tokenizerJSON(_ added: String) throws -> URL {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: vocabulary), as: UTF8.self)
            return try directory(raw: ["tokenizer.json": """
                {"added_tokens": [\(added)], "pre_tokenizer": {"type": "ByteLevel"},
                 "model": {"type": "BPE", "vocab": \(json), "merges": ["a b"]}}
                """])
        }
        guard case .duplicateID = loadError(try tokenizerJSON(#"{"id": 256, "content": "<s>"}"#), naming: "tokenizer.json")
        else { return XCTFail("clash") }
        guard case .wrongFormat = loadError(try tokenizerJSON(#"{"id": -1, "content": "<s>"}"#), naming: "tokenizer.json")
        else { return XCTFail("negative id") }
        let fine = try BPETokenizer(directory: tokenizerJSON(#"{"id": 300, "content": "<s>"}"#))
        XCTAssertEqual(fine.id(forSpecial: "<s>"), 300)
        XCTAssertEqual(fine.encode("ab<s>", allowedSpecial: ["<s>"]), [256, 300])
        XCTAssertEqual(fine.decode([299, 300]), "\u{FFFD}<s>", "an id no token uses decodes to U+FFFD")
    }

    func testTiktokenFileWithBadLineOrDuplicateRank() throws {
        let bad = try directory(raw: ["x.tiktoken": "YQ== 0\nnot base64!! 1\n"])
        guard case .wrongFormat(_, let reason) = loadError(bad, naming: "x.tiktoken") else { return XCTFail() }
        XCTAssertTrue(reason.contains("line 2"), reason)
        let duplicate = try directory(raw: ["x.tiktoken": "YQ== 0\nYg== 0\n"])
        guard case .duplicateID = loadError(duplicate, naming: "x.tiktoken") else { return XCTFail("duplicate") }
        let missingBytes = try directory(raw: ["x.tiktoken": "YQ== 0\nYg== 1\n"])
        guard case .missingByteToken = loadError(missingBytes, naming: "x.tiktoken") else { return XCTFail("bytes") }
    }

    func testTruncatedCopiesOfEveryFormLoadOrFailWithATypedError() throws {
        let source = Fixtures.url("custom-bpe")
        for name in ["tokenizer.json", "vocab.json", "merges.txt", "custom.tiktoken"] {
            let data = try Data(contentsOf: source.appendingPathComponent(name))
            for cut in stride(from: 0, to: data.count, by: max(1, data.count / 25)) {
                var files = [name: data.prefix(cut)]
                if name == "vocab.json" { files["merges.txt"] = try Data(contentsOf: source.appendingPathComponent("merges.txt")) }
                if name == "merges.txt" { files["vocab.json"] = try Data(contentsOf: source.appendingPathComponent("vocab.json")) }
                let directory = try Fixtures.temporaryDirectory(self)
                for (file, content) in files { try content.write(to: directory.appendingPathComponent(file)) }
                do {
                    _ = try BPETokenizer(directory: directory)  // a prefix of a merges list is itself valid
                } catch is TokenizerError {
                } catch {
                    XCTFail("\(name) cut at \(cut): untyped error \(error)")
                }
            }
        }
    }

    func testErrorMessagesReadAsSentences() {
        let error = TokenizerError.mergeOfUnknownToken(path: "/m/merges.txt", line: 7, token: "Ġx\u{0}")
        XCTAssertEqual(error.description, #"/m/merges.txt:7: merge of unknown token "Ġx\0""#)
    }
}
