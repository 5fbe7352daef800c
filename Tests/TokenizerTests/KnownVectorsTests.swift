import Tokenizer
import XCTest

/// Published GPT-2 vectors: if these fail, nothing else is worth reading.
final class KnownVectorsTests: XCTestCase {
    func testEncodesPublishedGPT2Vectors() throws {
        let tokenizer = try BPETokenizer.gpt2()
        XCTAssertEqual(tokenizer.encode("hello world"), [31373, 995])
        XCTAssertEqual(tokenizer.encode("Every effort moves you"), [6109, 3626, 6100, 345])
        XCTAssertEqual(tokenizer.encode("!!!!!!"), [13896, 3228])
    }

    func testTheVerdictIs5145Tokens() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let text = try Fixtures.text("the-verdict.txt")
        let ids = tokenizer.encode(text)
        XCTAssertEqual(ids.count, 5145)
        XCTAssertEqual(tokenizer.decode(ids), text)
    }

    func testVocabularyHas50257IdsAndEndOfTextIs50256() throws {
        let tokenizer = try BPETokenizer.gpt2()
        XCTAssertEqual(tokenizer.vocabularySize, 50257)
        XCTAssertEqual(tokenizer.endOfText, 50256)
        XCTAssertEqual(tokenizer.id(forSpecial: "<|endoftext|>"), 50256)
        XCTAssertNil(tokenizer.id(forSpecial: "<|startoftext|>"))
        XCTAssertNil(tokenizer.id(forSpecial: "hello"), "ordinary tokens are not special")
    }

    func testEndOfTextInsideADocumentIsOrdinaryText() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let ids = tokenizer.encode("a<|endoftext|>b")
        XCTAssertFalse(ids.contains(50256))
        XCTAssertEqual(ids, [64, 27, 91, 437, 1659, 5239, 91, 29, 65])  // tiktoken encode_ordinary
        XCTAssertEqual(tokenizer.decode(ids), "a<|endoftext|>b")
    }

    func testAllowedSpecialTokensBecomeTheirIds() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let text = "Hello<|endoftext|> world<|endoftext|>"
        XCTAssertEqual(tokenizer.encode(text, allowedSpecial: ["<|endoftext|>"]), [15496, 50256, 995, 50256])
        XCTAssertEqual(tokenizer.encode(text, allowedSpecial: []), tokenizer.encode(text))
        XCTAssertEqual(tokenizer.encode(text, allowedSpecial: ["<|unknown|>"]), tokenizer.encode(text))
        XCTAssertEqual(tokenizer.decode([15496, 50256, 995, 50256]), text)
    }

    func testEmptyInputGivesNoTokens() throws {
        let tokenizer = try BPETokenizer.gpt2()
        XCTAssertEqual(tokenizer.encode(""), [])
        XCTAssertEqual(tokenizer.encode(bytes: []), [])
        XCTAssertEqual(tokenizer.encode("", allowedSpecial: ["<|endoftext|>"]), [])
        XCTAssertEqual(tokenizer.decode([]), "")
    }

    func testConcurrentEncodingGivesTheSameIds() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let text = try Fixtures.text("the-verdict.txt") + Fixtures.text("torture.txt")
        let expected = tokenizer.encode(text)
        let results = UnsafeMutableBufferPointer<[Int]>.allocate(capacity: 8)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            results[index] = tokenizer.encode(text)
        }
        for ids in results { XCTAssertEqual(ids, expected) }
    }
}
