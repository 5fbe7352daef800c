import Foundation
@testable import Tokenizer
import XCTest

/// Each family's scheme (Llama 3, Qwen2, SmolLM2 pre-tokenizers; NFC; ignore_merges; added tokens) on the shipped
/// GPT-2 vocabulary gives Hugging Face tokenizers' ids on the text suite, torture.txt and every Unicode scalar.
/// Runs everywhere: the tokenizer.json is the committed skeleton plus GPT-2's files.
final class SchemeTests: XCTestCase {
    private static let reference: [String: Any] = {
        (try? Fixtures.json("families/schemes-on-gpt2.json") as? [String: Any]) ?? [:]
    }()

    private func scheme(_ name: String) throws -> [String: Any] {
        let schemes = try XCTUnwrap(Self.reference["schemes"] as? [String: Any])
        return try XCTUnwrap(schemes[name] as? [String: Any])
    }

    /// The scheme's tokenizer.json: its skeleton with GPT-2's vocabulary (less <|endoftext|>, an added token there)
    /// and merges.
    private func tokenizer(_ name: String) throws -> BPETokenizer {
        var skeleton = try XCTUnwrap(try scheme(name)["skeleton"] as? [String: Any])
        let directory = try XCTUnwrap(BPETokenizer.gpt2Directory)
        var vocabulary = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.appendingPathComponent("encoder.json"))) as? [String: Int])
        vocabulary["<|endoftext|>"] = nil
        let merges = try String(contentsOf: directory.appendingPathComponent("vocab.bpe"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init)
        var model = try XCTUnwrap(skeleton["model"] as? [String: Any])
        model["vocab"] = vocabulary
        model["merges"] = merges
        skeleton["model"] = model
        let folder = try Fixtures.temporaryDirectory(self)
        try JSONSerialization.data(withJSONObject: skeleton).write(to: folder.appendingPathComponent("tokenizer.json"))
        return try BPETokenizer(directory: folder)
    }

    private func checkSuite(_ name: String, pattern: SplitPattern, normalization: Normalization) throws {
        let tokenizer = try tokenizer(name)
        XCTAssertEqual(tokenizer.splitPattern, pattern)
        XCTAssertEqual(tokenizer.normalization, normalization)
        XCTAssertEqual(tokenizer.addedTokens, ["<tool_call>": 50257])
        XCTAssertEqual(tokenizer.specialTokens, ["<|endoftext|>": 50256])
        let expected = try XCTUnwrap(try scheme(name)["ids"] as? [Any]).map { try Fixtures.ids($0) }
        let texts = try FamilyFixtures.texts()
        FamilyFixtures.assertIDs(tokenizer, texts, expected, "\(name) scheme on GPT-2's vocabulary")
        for text in texts {
            let ids = tokenizer.encode(text)
            let normalized = normalization == .nfc ? String(decoding: text._nfcCodeUnits, as: UTF8.self) : text
            XCTAssertEqual(tokenizer.decode(ids), normalized)
            XCTAssertEqual(tokenizer.encode(bytes: Array(text.utf8)), ids, "bytes and String agree on valid UTF-8")
        }
    }

    private func checkEveryScalar(_ name: String) throws {
        let tokenizer = try tokenizer(name)
        let separators = try XCTUnwrap(Self.reference["everyScalarSeparators"] as? [String]).map { Array($0.utf8) }
        let blockSize = try XCTUnwrap(Self.reference["blockSize"] as? Int)
        let every = try XCTUnwrap(try scheme(name)["everyScalar"] as? [String: Any])
        let blocks = try XCTUnwrap(every["blocks"] as? [String])
        var bytes: [UInt8] = []
        bytes.reserveCapacity(7_000_000)
        for value in UInt32(0)..<0x11_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            bytes.append(contentsOf: UTF8.encode(scalar)!)
            bytes.append(contentsOf: separators[Int(value) % separators.count])
        }
        let ids = tokenizer.encode(bytes: bytes)
        XCTAssertEqual(ids.count, every["tokens"] as? Int, "\(name): token count")
        var differing: [String] = []
        for (index, start) in stride(from: 0, to: ids.count, by: blockSize).enumerated() {
            let slice = ids[start..<min(start + blockSize, ids.count)]
            if index >= blocks.count || CorpusTests.fnv1a64(slice) != blocks[index] {
                let scalars = tokenizer.decode(Array(slice)).unicodeScalars
                differing.append("block \(index) (U+\(String(scalars.first?.value ?? 0, radix: 16))...)")
            }
        }
        XCTAssertTrue(differing.isEmpty, "\(name): ids differ from tokenizers' in \(differing.count) blocks: "
            + differing.prefix(10).joined(separator: ", "))
    }

    func testGPT2SchemeFromTokenizerJSON() throws {
        try checkSuite("gpt2", pattern: .gpt2, normalization: .none)
        // The GPT-2 scheme with an added token is still GPT-2 on text without it.
        let text = try Fixtures.text("torture.txt")
        XCTAssertEqual(try tokenizer("gpt2").encode(text), try BPETokenizer.gpt2().encode(text))
    }

    func testLlama3Scheme() throws { try checkSuite("llama3", pattern: .llama3, normalization: .none) }
    func testQwen2Scheme() throws { try checkSuite("qwen2", pattern: .qwen2, normalization: .nfc) }
    func testSmolLMScheme() throws { try checkSuite("smollm", pattern: .smolLM, normalization: .none) }

    func testLlama3SchemeOnEveryScalar() throws { try checkEveryScalar("llama3") }
    func testQwen2SchemeOnEveryScalar() throws { try checkEveryScalar("qwen2") }
    func testSmolLMSchemeOnEveryScalar() throws { try checkEveryScalar("smollm") }
    func testGPT2SchemeOnEveryScalar() throws { try checkEveryScalar("gpt2") }
}
