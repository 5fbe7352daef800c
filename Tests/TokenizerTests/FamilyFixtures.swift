import Foundation
import Tokenizer
import XCTest

/// The fixtures of the model families (made by training/tokenizer/make_family_reference.py): the text suite, the
/// expected ids, and the peers that script rebuilds from llama.cpp's vocabulary files, which are not committed.
enum FamilyFixtures {
    /// The suite: texts.json, then torture.txt and the-verdict.txt, in the order the expected ids follow.
    static func texts() throws -> [String] {
        let list = try XCTUnwrap(Fixtures.json("families/texts.json") as? [String])
        return list + [try Fixtures.text("torture.txt"), try Fixtures.text("the-verdict.txt")]
    }

    /// Where the peers are: $GPTLS_TOKENIZER_PEERS, else training/out/tokenizer-peers in the repository.
    static var peers: URL {
        if let path = ProcessInfo.processInfo.environment["GPTLS_TOKENIZER_PEERS"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("training/out/tokenizer-peers")
    }

    /// A peer file, or a skip that says how to make it.
    static func peer(_ name: String) throws -> URL {
        let url = peers.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(url.path) is missing: run `python3 training/tokenizer/make_family_reference.py --peers` "
                + "(in a venv with tokenizers, tiktoken and gguf from PyPI; it fetches llama-cpp-python's source "
                + "distribution, or takes it with --sdist) to check the real Qwen2 and Llama 3 vocabularies")
        }
        return url
    }

    /// The expected ids of `name`-ids.json, after checking the peer file is the one they were computed from.
    static func expectedIDs(_ name: String) throws -> (file: URL, ids: [[Int]]) {
        let fixture = try XCTUnwrap(Fixtures.json("families/\(name)-ids.json") as? [String: Any])
        let file = try peer(try XCTUnwrap(fixture["file"] as? String))
        let digest = SHA256.hex([UInt8](try Data(contentsOf: file)))
        guard digest == fixture["sha256"] as? String else {
            let tools = (fixture["tools"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
                .map { "\($0.key)==\($0.value)" }.joined(separator: " ")
            throw XCTSkip("\(file.path) is not the file the expected ids were computed from (sha256 \(digest)); "
                + "rebuild it with training/tokenizer/make_family_reference.py --peers in a venv with \(tools)")
        }
        let lists = try XCTUnwrap(fixture["ids"] as? [Any])
        return (file, try lists.map { try Fixtures.ids($0) })
    }

    /// llama.cpp's test vectors beside a vocabulary GGUF: the texts of `.inp` and the ids of `.out`.
    static func llamaCppVectors(_ gguf: URL) throws -> [(text: String, ids: [Int])] {
        let input = try String(contentsOf: URL(fileURLWithPath: gguf.path + ".inp"), encoding: .utf8)
        let output = try String(contentsOf: URL(fileURLWithPath: gguf.path + ".out"), encoding: .utf8)
        var texts = input.components(separatedBy: "\n__ggml_vocab_test__\n")
        if texts[texts.count - 1].hasSuffix("\n") { texts[texts.count - 1].removeLast() }
        let lines = output.components(separatedBy: "\n")
        XCTAssertGreaterThanOrEqual(lines.count, texts.count)
        return zip(texts, lines).map { text, line in (text, line.split(separator: " ").compactMap { Int($0) }) }
    }

    /// Fails with the first differing text, naming it and the first differing token.
    static func assertIDs(_ tokenizer: BPETokenizer, _ texts: [String], _ expected: [[Int]], _ what: String,
                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(texts.count, expected.count, "\(what): texts and expected ids", file: file, line: line)
        var differing = 0
        for (text, ids) in zip(texts, expected) {
            let actual = tokenizer.encode(text)
            guard actual != ids else { continue }
            differing += 1
            if differing <= 3 {
                let at = zip(actual, ids).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(actual.count, ids.count)
                XCTFail("\(what): \(String(text.prefix(80)).debugDescription): first difference at token \(at): "
                    + "\(actual[at...].prefix(6)) but the peer gives \(ids[at...].prefix(6))", file: file, line: line)
            }
        }
        XCTAssertEqual(differing, 0, "\(what): \(differing) of \(texts.count) texts differ", file: file, line: line)
    }
}
