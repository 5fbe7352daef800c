import Foundation
@testable import Tokenizer
import XCTest

/// `BPETokenizer(gguf:)` on small metadata made here: token types, roles and families are read as llama.cpp does,
/// and inconsistent or hostile metadata is refused with a typed error naming the file, never a trap.
final class GGUFVocabularyTests: XCTestCase {
    /// The 256 byte tokens, "ab" (256), "abc" (257), a control token (258), a user-defined token (259) and an unused
    /// id (260).
    private func metadata(pre: String? = "llama-bpe") -> GGUFVocabulary {
        let tokens = (0..<256).map { String(ByteLevel.characterOfByte[$0]) } + ["ab", "abc", "<|eot_id|>", "<x>", "[UNUSED]"]
        let types = [Int32](repeating: 1, count: 258) + [3, 4, 5]
        return GGUFVocabulary(model: "gpt2", pre: pre, tokens: tokens, tokenTypes: types, merges: ["a b", "ab c"],
                              bosTokenID: 258, eosTokenID: 258, eotTokenID: 258, source: "/m/model.gguf")
    }

    private func loadError(_ gguf: GGUFVocabulary, line: UInt = #line) -> TokenizerError? {
        do {
            _ = try BPETokenizer(gguf: gguf)
            XCTFail("loading succeeded", line: line)
            return nil
        } catch let error as TokenizerError {
            XCTAssertTrue(error.description.contains("/m/model.gguf"), "\"\(error)\" does not name the file", line: line)
            return error
        } catch {
            XCTFail("untyped error \(error)", line: line)
            return nil
        }
    }

    func testTokenTypesAndRoles() throws {
        let tokenizer = try BPETokenizer(gguf: metadata())
        XCTAssertEqual(tokenizer.vocabularySize, 261)
        XCTAssertEqual(tokenizer.splitPattern, .llama3)
        XCTAssertEqual(tokenizer.specialTokens, ["<|eot_id|>": 258])
        XCTAssertEqual(tokenizer.addedTokens, ["<x>": 259])
        XCTAssertEqual(tokenizer.encode("abc<x>ab<|eot_id|>"), [257, 259, 256] + tokenizer.encode("<|eot_id|>"))
        XCTAssertFalse(tokenizer.encode("<|eot_id|>").contains(258), "control-token text is text")
        XCTAssertEqual(tokenizer.encode("<|eot_id|>", allowedSpecial: ["<|eot_id|>"]), [258])
        XCTAssertEqual(tokenizer.roles, SpecialTokenRoles(bos: 258, eos: 258, eot: 258, addsBOS: true),
                       "llama.cpp adds BOS for the Llama 3 type unless add_bos_token says otherwise")
        XCTAssertEqual(tokenizer.decode([260]), "\u{FFFD}", "an unused id decodes to U+FFFD")
        var noBOS = metadata()
        noBOS.addBOSToken = false
        XCTAssertFalse(try BPETokenizer(gguf: noBOS).roles.addsBOS)
    }

    func testFamiliesByPreTokenizerName() throws {
        let expected: [String: (SplitPattern, Normalization)] = [
            "gpt-2": (.gpt2, .none), "llama-bpe": (.llama3, .none), "llama3": (.llama3, .none),
            "qwen2": (.qwen2, .nfc), "deepseek-r1-qwen": (.qwen2, .nfc), "smollm": (.smolLM, .none),
        ]
        for (name, (pattern, normalization)) in expected {
            let tokenizer = try BPETokenizer(gguf: metadata(pre: name))
            XCTAssertEqual(tokenizer.splitPattern, pattern, name)
            XCTAssertEqual(tokenizer.normalization, normalization, name)
            XCTAssertEqual(tokenizer.vocabulary.scheme.ignoresMerges, pattern == .llama3, name)
            XCTAssertEqual(tokenizer.roles.addsBOS, pattern == .llama3, name)
        }
    }

    func testInconsistentOrHostileMetadataIsRefused() {
        var cases: [(String, GGUFVocabulary)] = []
        func add(_ what: String, _ edit: (inout GGUFVocabulary) -> Void) {
            var gguf = metadata()
            edit(&gguf)
            cases.append((what, gguf))
        }
        add("no pre-tokenizer") { $0.pre = nil }
        add("no tokens") { $0.tokens = []; $0.tokenTypes = [] }
        add("fewer token types than tokens") { $0.tokenTypes = Array($0.tokenTypes!.dropLast()) }
        add("an unknown token type") { $0.tokenTypes![5] = 9 }
        add("a negative token type") { $0.tokenTypes![5] = -1 }
        add("a normal token outside the byte map") { $0.tokens[256] = "a b" }
        add("an empty normal token") { $0.tokens[256] = "" }
        add("an empty control token") { $0.tokens[258] = "" }
        add("a normal token twice") { $0.tokens[257] = "ab" }
        add("a control token twice") { $0.tokens[259] = "<|eot_id|>"; $0.tokenTypes![259] = 3 }
        add("a merge of an unknown token") { $0.merges.append("ab zz") }
        add("a merge whose result is missing") { $0.merges.append("b c") }
        add("a merge of three") { $0.merges.append("a b c") }
        add("a merge without a space") { $0.merges.append("abc") }
        add("a BOS id past the end") { $0.bosTokenID = 261 }
        add("a negative EOS id") { $0.eosTokenID = -1 }
        add("a huge padding id") { $0.paddingTokenID = Int.max }
        add("a missing byte token") { $0.tokens[97] = "[A]"; $0.tokenTypes![97] = 3 }
        for (what, gguf) in cases {
            guard let error = loadError(gguf) else { continue }
            switch error {
            case .wrongFormat, .duplicateID, .mergeOfUnknownToken, .mergedTokenMissing, .missingByteToken: break
            default: XCTFail("\(what): \(error)")
            }
        }
    }

    func testUnsupportedModelsAndPreTokenizersAreNamed() {
        var sentencePiece = metadata()
        sentencePiece.model = "llama"
        XCTAssertTrue(loadError(sentencePiece)?.description.contains("\"llama\"") == true)
        XCTAssertTrue(loadError(metadata(pre: "falcon"))?.description.contains("\"falcon\"") == true)
        var byteTokens = metadata()
        byteTokens.tokenTypes![0] = 6
        guard case .unsupported = loadError(byteTokens) else { return XCTFail("byte tokens") }
    }

    func testWithoutTokenTypesByteLevelTokensAreNormalAndOthersControl() throws {
        var gguf = metadata()
        gguf.tokenTypes = nil
        gguf.tokens[258] = "<|eot id|>"  // a space is outside the byte map: not byte-level
        gguf.bosTokenID = nil
        gguf.eosTokenID = nil
        gguf.eotTokenID = nil
        let tokenizer = try BPETokenizer(gguf: gguf)
        XCTAssertEqual(tokenizer.specialTokens, ["<|eot id|>": 258])
        XCTAssertEqual(tokenizer.encode("abc"), [257])
    }
}
