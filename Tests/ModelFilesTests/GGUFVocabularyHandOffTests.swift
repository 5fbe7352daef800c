import Foundation
import ModelFiles
import ModelTestSupport
import Tokenizer
import XCTest

/// The vocabulary a GGUF file carries, read from its metadata and handed to the tokenizer.
final class GGUFVocabularyHandOffTests: XCTestCase {
    func testBuildsATokenizerFromTheFilesVocabulary() throws {
        let file = try GGUFFile(url: GGUFFixtures.url("llama.gguf"))
        let vocabulary = try XCTUnwrap(file.vocabulary())
        XCTAssertEqual(vocabulary.model, "gpt2")
        XCTAssertEqual(vocabulary.pre, "gpt-2")
        XCTAssertEqual(vocabulary.tokens.count, 262)
        XCTAssertEqual(vocabulary.merges, ["h e", "l l", "he ll", "Ġ w", "o r"])
        XCTAssertEqual(vocabulary.tokenTypes?.last, 3)
        XCTAssertEqual(vocabulary.eosTokenID, 261)
        XCTAssertEqual(vocabulary.bosTokenID, 261)
        XCTAssertEqual(vocabulary.addBOSToken, false)
        XCTAssertNil(vocabulary.eotTokenID)
        let tokenizer = try BPETokenizer(gguf: vocabulary)
        XCTAssertEqual(tokenizer.vocabularySize, 262)
        // "hell" merges to h+e, l+l, then he+ll (id 258); " wor" to Ġw and or.
        let ids = tokenizer.encode("hell wor")
        XCTAssertEqual(ids, [258, 259, 260])
        XCTAssertEqual(tokenizer.decode(ids), "hell wor")
        XCTAssertEqual(tokenizer.encode("<|end|>", allowedSpecial: ["<|end|>"]), [261])
    }

    func testAFileWithoutTokensHasNoVocabulary() throws {
        XCTAssertNil(try GGUFFile(url: GGUFFixtures.url("quants.gguf")).vocabulary())
    }
}
