import Foundation
@testable import Tokenizer
import XCTest

/// Every vocabulary form, made here from the shipped GPT-2 files, gives the same ids; a small custom BPE loads
/// through the same loaders and matches Hugging Face tokenizers.
final class VocabularyFormTests: XCTestCase {
    private var sample: String {
        get throws { try Fixtures.text("torture.txt") + Fixtures.text("the-verdict.txt") }
    }

    private func gpt2Files() throws -> (encoder: Data, merges: Data, vocabulary: [String: Int]) {
        let directory = try XCTUnwrap(BPETokenizer.gpt2Directory)
        let encoder = try Data(contentsOf: directory.appendingPathComponent("encoder.json"))
        let merges = try Data(contentsOf: directory.appendingPathComponent("vocab.bpe"))
        let vocabulary = try XCTUnwrap(JSONSerialization.jsonObject(with: encoder) as? [String: Int])
        return (encoder, merges, vocabulary)
    }

    private func write(_ files: [String: Data]) throws -> URL {
        let directory = try Fixtures.temporaryDirectory(self)
        for (name, data) in files { try data.write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    private func assertSameAsGPT2(_ directory: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try BPETokenizer.gpt2()
        let tokenizer = try BPETokenizer(directory: directory)
        let text = try sample
        XCTAssertEqual(tokenizer.encode(text), reference.encode(text), file: file, line: line)
        XCTAssertEqual(tokenizer.vocabularySize, 50257, file: file, line: line)
        XCTAssertEqual(tokenizer.endOfText, 50256, file: file, line: line)
        XCTAssertEqual(tokenizer.encode("<|endoftext|>", allowedSpecial: ["<|endoftext|>"]), [50256], file: file, line: line)
        XCTAssertEqual(tokenizer.decode(tokenizer.encode(text)), text, file: file, line: line)
    }

    func testEncoderJSONAndVocabBPE() throws {
        let files = try gpt2Files()
        try assertSameAsGPT2(write(["encoder.json": files.encoder, "vocab.bpe": files.merges]))
    }

    func testVocabJSONAndMergesTxt() throws {
        let files = try gpt2Files()
        try assertSameAsGPT2(write(["vocab.json": files.encoder, "merges.txt": files.merges]))
    }

    private func tokenizerJSON(mergesAsPairs: Bool) throws -> Data {
        let files = try gpt2Files()
        let lines = String(decoding: files.merges, as: UTF8.self).split(separator: "\n").dropFirst()
        let merges: [Any] = lines.map { line in
            mergesAsPairs ? line.split(separator: " ").map(String.init) as Any : String(line) as Any
        }
        var vocabulary = files.vocabulary
        vocabulary["<|endoftext|>"] = nil  // as an added token only
        let root: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "normalizer": NSNull(),
            "added_tokens": [["id": 50256, "content": "<|endoftext|>", "special": true]],
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            "decoder": ["type": "ByteLevel"],
            "model": ["type": "BPE", "vocab": vocabulary, "merges": merges, "dropout": NSNull()],
        ]
        return try JSONSerialization.data(withJSONObject: root)
    }

    func testTokenizerJSONWithMergesAsStrings() throws {
        try assertSameAsGPT2(write(["tokenizer.json": tokenizerJSON(mergesAsPairs: false)]))
    }

    func testTokenizerJSONWithMergesAsPairs() throws {
        try assertSameAsGPT2(write(["tokenizer.json": tokenizerJSON(mergesAsPairs: true)]))
    }

    func testTiktokenRankFile() throws {
        let reference = try BPETokenizer.gpt2()
        var lines = ""
        for id in 0..<50256 {
            lines += Data(reference.decodeBytes([id])).base64EncodedString() + " \(id)\n"
        }
        try assertSameAsGPT2(write(["gpt2.tiktoken": Data(lines.utf8)]))
    }

    func testTokenizerJSONIsPreferredOverOtherForms() throws {
        let custom = Fixtures.url("custom-bpe")
        let files = try gpt2Files()
        let directory = try write(["tokenizer.json": Data(contentsOf: custom.appendingPathComponent("tokenizer.json")),
                                   "vocab.json": files.encoder, "merges.txt": files.merges])
        XCTAssertEqual(try BPETokenizer(directory: directory).vocabularySize, 1000)
    }

    // MARK: A custom byte-level BPE (1000 tokens trained on Python sources by Hugging Face tokenizers)

    private func customExpected() throws -> (text: String, ids: [Int]) {
        let expected = try XCTUnwrap(Fixtures.json("custom-bpe/expected.json") as? [String: Any])
        return (try XCTUnwrap(expected["text"] as? String), try Fixtures.ids(expected["ids"]))
    }

    private func customDirectory(_ names: [String]) throws -> URL {
        let source = Fixtures.url("custom-bpe")
        var files: [String: Data] = [:]
        for name in names { files[name] = try Data(contentsOf: source.appendingPathComponent(name)) }
        return try write(files)
    }

    func testCustomBPEInEveryFormMatchesHuggingFaceTokenizers() throws {
        let expected = try customExpected()
        for names in [["tokenizer.json"], ["vocab.json", "merges.txt"], ["custom.tiktoken"]] {
            let tokenizer = try BPETokenizer(directory: customDirectory(names))
            XCTAssertEqual(tokenizer.encode(expected.text), expected.ids, "form \(names)")
            XCTAssertEqual(tokenizer.decode(expected.ids), expected.text, "form \(names)")
        }
    }

    func testCustomBPESpecialTokenIds() throws {
        // Hugging Face put <|endoftext|> first (id 0); a tiktoken file has no specials, so it comes after the ranks.
        XCTAssertEqual(try BPETokenizer(directory: customDirectory(["tokenizer.json"])).endOfText, 0)
        XCTAssertEqual(try BPETokenizer(directory: customDirectory(["vocab.json", "merges.txt"])).endOfText, 0)
        let ranks = try BPETokenizer(directory: customDirectory(["custom.tiktoken"]))
        XCTAssertEqual(ranks.endOfText, 1000)
        XCTAssertEqual(ranks.vocabularySize, 1001)
    }

    func testBundledGPT2ResourceIsTheFilesTheReadmeDescribes() throws {
        let directory = try XCTUnwrap(BPETokenizer.gpt2Directory)
        let readme = try String(contentsOf: directory.appendingPathComponent("README.md"), encoding: .utf8)
        for name in ["encoder.json", "vocab.bpe"] {
            let digest = SHA256.hex([UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
            XCTAssertTrue(readme.contains(digest), "\(name) sha256 \(digest) is not the one in README.md")
        }
    }
}
