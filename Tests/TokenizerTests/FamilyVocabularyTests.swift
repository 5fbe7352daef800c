import Foundation
import Tokenizer
import XCTest

/// The real Qwen2 and Llama 3 vocabularies (rebuilt from llama.cpp's vocabulary GGUFs, see FamilyFixtures) give the
/// ids of Hugging Face tokenizers on the text suite, of tiktoken for Llama 3's rank file, and of llama.cpp on its own
/// test vectors, from tokenizer.json, tokenizer.model and the GGUF metadata alike. Skipped, saying what to run, when
/// the peers have not been built on this machine.
final class FamilyVocabularyTests: XCTestCase {
    private func timed<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
        let start = Date()
        let result = try body()
        print("\(what): loaded in \(Int(Date().timeIntervalSince(start) * 1000)) ms")
        return result
    }

    func testQwen2TokenizerJSONMatchesTokenizersAndLlamaCpp() throws {
        let (file, expected) = try FamilyFixtures.expectedIDs("qwen2")
        let tokenizer = try timed("qwen2 tokenizer.json") { try BPETokenizer(directory: file.deletingLastPathComponent()) }
        XCTAssertEqual(tokenizer.vocabularySize, 151_665)
        XCTAssertEqual(tokenizer.splitPattern, .qwen2)
        XCTAssertEqual(tokenizer.normalization, .nfc)
        XCTAssertEqual(tokenizer.roles, SpecialTokenRoles(eos: 151_643, padding: 151_643))
        XCTAssertEqual(tokenizer.addedTokens, ["<tool_call>": 151_657, "</tool_call>": 151_658])
        XCTAssertEqual(tokenizer.id(forSpecial: "<|im_end|>"), 151_645)
        FamilyFixtures.assertIDs(tokenizer, try FamilyFixtures.texts(), expected, "qwen2 tokenizer.json")
        let gguf = try FamilyFixtures.peer("ggml-vocab-qwen2.gguf")
        let vectors = try FamilyFixtures.llamaCppVectors(gguf)
        FamilyFixtures.assertIDs(tokenizer, vectors.map(\.text), vectors.map(\.ids), "qwen2 tokenizer.json, llama.cpp vectors")
    }

    func testLlama3TokenizerJSONMatchesTokenizersAndLlamaCpp() throws {
        let (file, expected) = try FamilyFixtures.expectedIDs("llama3")
        let tokenizer = try timed("llama3 tokenizer.json") { try BPETokenizer(directory: file.deletingLastPathComponent()) }
        XCTAssertEqual(tokenizer.vocabularySize, 128_256)
        XCTAssertEqual(tokenizer.splitPattern, .llama3)
        XCTAssertEqual(tokenizer.normalization, Normalization.none)
        XCTAssertEqual(tokenizer.roles, SpecialTokenRoles(bos: 128_000, eos: 128_001, addsBOS: true))
        XCTAssertEqual(tokenizer.specialTokens.count, 256)
        FamilyFixtures.assertIDs(tokenizer, try FamilyFixtures.texts(), expected, "llama3 tokenizer.json")
        let gguf = try FamilyFixtures.peer("ggml-vocab-llama-bpe.gguf")
        let vectors = try FamilyFixtures.llamaCppVectors(gguf)
        FamilyFixtures.assertIDs(tokenizer, vectors.map(\.text), vectors.map(\.ids), "llama3 tokenizer.json, llama.cpp vectors")
    }

    func testLlama3TiktokenFileMatchesTiktoken() throws {
        let (file, expected) = try FamilyFixtures.expectedIDs("llama3-tiktoken")
        let tokenizer = try timed("llama3 tokenizer.model") { try BPETokenizer(file: file) }
        XCTAssertEqual(try BPETokenizer(directory: file.deletingLastPathComponent()).vocabularySize, 128_256)
        XCTAssertEqual(tokenizer.vocabularySize, 128_256)
        XCTAssertEqual(tokenizer.splitPattern, .llama3)
        XCTAssertEqual(tokenizer.roles, SpecialTokenRoles(bos: 128_000, eos: 128_001, eot: 128_009, eom: 128_008, addsBOS: true))
        for (name, id) in ["<|begin_of_text|>": 128_000, "<|end_of_text|>": 128_001, "<|start_header_id|>": 128_006,
                           "<|end_header_id|>": 128_007, "<|eot_id|>": 128_009, "<|reserved_special_token_247|>": 128_255] {
            XCTAssertEqual(tokenizer.id(forSpecial: name), id, name)
        }
        XCTAssertEqual(Set(tokenizer.specialTokens.values), Set(128_000..<128_256))
        FamilyFixtures.assertIDs(tokenizer, try FamilyFixtures.texts(), expected, "llama3 tokenizer.model")
    }

    func testGGUFMetadataMatchesLlamaCppAndTokenizers() throws {
        let texts = try FamilyFixtures.texts()
        for (name, family, pattern) in [("qwen2", "qwen2", SplitPattern.qwen2), ("llama-bpe", "llama3", .llama3)] {
            let gguf = try FamilyFixtures.peer("ggml-vocab-\(name).gguf")
            let metadata = try GGUFMetadata.vocabulary(gguf)
            let tokenizer = try timed("\(name) GGUF metadata") { try BPETokenizer(gguf: metadata) }
            XCTAssertEqual(tokenizer.splitPattern, pattern)
            XCTAssertEqual(tokenizer.vocabularySize, metadata.tokens.count)
            let vectors = try FamilyFixtures.llamaCppVectors(gguf)
            FamilyFixtures.assertIDs(tokenizer, vectors.map(\.text), vectors.map(\.ids), "\(name) GGUF, llama.cpp vectors")
            // The same ids as Hugging Face on the suite, except where added tokens differ: the GGUF is Qwen1.5's
            // vocabulary, with user-defined [PAD...] tokens where Qwen2.5 has <tool_call>.
            let expected = try FamilyFixtures.expectedIDs(family).ids
            let comparable = zip(texts, expected).filter { text, _ in !text.contains("tool_call>") && !text.contains("[PAD") }
            XCTAssertGreaterThan(comparable.count, 30)
            FamilyFixtures.assertIDs(tokenizer, comparable.map(\.0), comparable.map(\.1), "\(name) GGUF, suite")
        }
        let qwen = try BPETokenizer(gguf: GGUFMetadata.vocabulary(FamilyFixtures.peer("ggml-vocab-qwen2.gguf")))
        XCTAssertEqual(qwen.roles, SpecialTokenRoles(bos: 151_643, eos: 151_643, padding: 151_643))
        XCTAssertEqual(qwen.addedTokens.count, 290, "user-defined tokens are added tokens")
        XCTAssertEqual(qwen.encode("[PAD151646]"), [151_646], "as in llama.cpp, user-defined tokens are matched in text")
        let llama = try BPETokenizer(gguf: GGUFMetadata.vocabulary(FamilyFixtures.peer("ggml-vocab-llama-bpe.gguf")))
        XCTAssertEqual(llama.roles, SpecialTokenRoles(bos: 128_000, eos: 128_001, addsBOS: true))
    }

    func testGPT2GGUFMetadataMatchesTiktokenAndLlamaCpp() throws {
        let gguf = try FamilyFixtures.peer("ggml-vocab-gpt-2.gguf")
        let tokenizer = try BPETokenizer(gguf: GGUFMetadata.vocabulary(gguf))
        let reference = try BPETokenizer.gpt2()
        XCTAssertEqual(tokenizer.splitPattern, .gpt2)
        for text in try FamilyFixtures.texts() { XCTAssertEqual(tokenizer.encode(text), reference.encode(text)) }
        let vectors = try FamilyFixtures.llamaCppVectors(gguf)
        FamilyFixtures.assertIDs(tokenizer, vectors.map(\.text), vectors.map(\.ids), "gpt-2 GGUF, llama.cpp vectors")
    }

    /// What token healing relies on: every ordinary id has bytes, specials are listed, and the tokens that extend a
    /// line break are found by their bytes. (Unlike GPT-2, these patterns never join a line break with the
    /// indentation after it, so the extensions are more line breaks.)
    func testTokenHealingInputsOfTheBigVocabularies() throws {
        for name in ["qwen2", "llama3"] {
            let (file, _) = try FamilyFixtures.expectedIDs(name)
            let tokenizer = try BPETokenizer(directory: file.deletingLastPathComponent())
            let specials = Set(tokenizer.specialTokens.values)
            var extensionsOfNewline = 0, indentedNewlines = 0
            for id in 0..<tokenizer.vocabularySize where !specials.contains(id) {
                let bytes = tokenizer.decodeBytes([id])
                XCTAssertFalse(bytes.isEmpty, "\(name) id \(id)")
                if bytes.first == 0x0A { extensionsOfNewline += 1 }
                if bytes.first == 0x0A, bytes.last == 0x20 { indentedNewlines += 1 }
            }
            XCTAssertGreaterThan(extensionsOfNewline, 8, "\(name): tokens that begin with \"\\n\"")
            XCTAssertEqual(indentedNewlines, 0, "\(name): a line break followed by indentation is never one piece")
            let prompt = tokenizer.encode("def f():\n")
            XCTAssertEqual(tokenizer.decodeBytes([prompt.last!]).last, 0x0A)
        }
    }
}
