import Foundation
@testable import Tokenizer
import XCTest

/// A small synthetic Llama 3-scheme tokenizer.json (synthetic/, made by make_family_reference.py): both merge forms
/// give tokenizers' ids; an unknown split regex, truncated copies and hostile edits are refused with a typed error
/// that names the file, never a trap.
final class TokenizerJSONTests: XCTestCase {
    private let synthetic = Fixtures.url("families/synthetic")

    private func root(_ name: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: synthetic.appendingPathComponent(name))) as? [String: Any])
    }

    private func directory(_ files: [String: Data]) throws -> URL {
        let directory = try Fixtures.temporaryDirectory(self)
        for (name, data) in files { try data.write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    private func directory(json: [String: Any], config: [String: Any]? = nil) throws -> URL {
        var files = ["tokenizer.json": try JSONSerialization.data(withJSONObject: json)]
        if let config { files["tokenizer_config.json"] = try JSONSerialization.data(withJSONObject: config) }
        return try directory(files)
    }

    /// Loads and returns the error, checking it is a TokenizerError whose message names `file`.
    private func loadError(_ directory: URL, naming file: String = "tokenizer.json", line: UInt = #line) -> TokenizerError? {
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

    /// The synthetic tokenizer.json with `edit` applied to its JSON.
    private func edited(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        var json = try root("llama3-merges-as-strings.json")
        edit(&json)
        return try directory(json: json)
    }

    private func editedModel(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        try edited { json in
            var model = json["model"] as! [String: Any]
            edit(&model)
            json["model"] = model
        }
    }

    func testMergesAsStringsAndAsPairsGiveTokenizersIDs() throws {
        let expected = try XCTUnwrap(Fixtures.json("families/synthetic/expected.json") as? [String: Any])
        let ids = try XCTUnwrap(expected["ids"] as? [Any]).map { try Fixtures.ids($0) }
        let texts = try XCTUnwrap(Fixtures.json("families/texts.json") as? [String])
        for form in ["strings", "pairs"] {
            let file = synthetic.appendingPathComponent("llama3-merges-as-\(form).json")
            let tokenizer = try BPETokenizer(directory: directory(["tokenizer.json": Data(contentsOf: file)]))
            XCTAssertEqual(tokenizer.vocabularySize, 302)
            XCTAssertEqual(tokenizer.splitPattern, .llama3)
            XCTAssertTrue(tokenizer.vocabulary.scheme.ignoresMerges)
            FamilyFixtures.assertIDs(tokenizer, texts, ids, "synthetic, merges as \(form)")
            XCTAssertEqual(try BPETokenizer(file: file).encode("text text"), tokenizer.encode("text text"),
                           "a tokenizer.json under another name loads through init(file:)")
        }
    }

    func testIgnoreMergesTakesAWholeWordThatIsAToken() throws {
        // A word that no merge makes, but that the vocabulary has.
        let tokenizer = try BPETokenizer(directory: editedModel { model in
            var vocabulary = model["vocab"] as! [String: Int]
            vocabulary["xyz"] = 302
            model["vocab"] = vocabulary
        })
        XCTAssertEqual(tokenizer.encode("xyz"), [302], "ignore_merges: the word is looked up before merging")
        let merging = try BPETokenizer(directory: editedModel { model in
            var vocabulary = model["vocab"] as! [String: Int]
            vocabulary["xyz"] = 302
            model["vocab"] = vocabulary
            model["ignore_merges"] = false
        })
        XCTAssertEqual(merging.encode("xyz").count, 3, "without it, no merge makes xyz")
    }

    func testUnknownSplitRegexIsRefusedNamingIt() throws {
        let file = synthetic.appendingPathComponent("unknown-split-regex.json")
        let folder = try directory(["tokenizer.json": Data(contentsOf: file)])
        guard case .unknownSplitPattern(_, let pattern) = loadError(folder) else { return XCTFail("expected unknownSplitPattern") }
        XCTAssertTrue(pattern.hasPrefix(#"[^\r\n\p{L}\p{N}]?[\p{Lu}"#), pattern)
        XCTAssertTrue(loadError(folder)?.description.contains(#"\p{Lu}\p{Lt}"#) == true, "the message shows the regex")
    }

    func testTruncatedCopiesFailWithATypedError() throws {
        for name in ["llama3-merges-as-strings.json", "llama3-merges-as-pairs.json"] {
            let data = try Data(contentsOf: synthetic.appendingPathComponent(name))
            for cut in stride(from: 0, to: data.count, by: max(1, data.count / 60)) {
                let folder = try directory(["tokenizer.json": data.prefix(cut)])
                XCTAssertNotNil(loadError(folder), "\(name) cut at \(cut)")
            }
        }
    }

    func testHostileOrWrongTypedValuesAreRefused() throws {
        let cases: [(String, URL)] = [
            ("an id far beyond the vocabulary", try editedModel { model in
                var vocabulary = model["vocab"] as! [String: Int]
                vocabulary["zz"] = 16_777_215
                model["vocab"] = vocabulary
            }),
            ("an id that overflows", try editedModel { model in
                var vocabulary = model["vocab"] as! [String: Any]
                vocabulary["zz"] = 1 << 62
                model["vocab"] = vocabulary
            }),
            ("a negative id", try editedModel { model in
                var vocabulary = model["vocab"] as! [String: Any]
                vocabulary["zz"] = -1
                model["vocab"] = vocabulary
            }),
            ("an id that is a string", try editedModel { model in
                var vocabulary = model["vocab"] as! [String: Any]
                vocabulary["zz"] = "7"
                model["vocab"] = vocabulary
            }),
            ("vocab an array", try editedModel { $0["vocab"] = [1, 2] }),
            ("merges an object", try editedModel { $0["merges"] = ["a": "b"] }),
            ("a merge that is a number", try editedModel { $0["merges"] = [42] }),
            ("a merge pair of one", try editedModel { $0["merges"] = [["a"]] }),
            ("a merge pair of numbers", try editedModel { $0["merges"] = [[1, 2]] }),
            ("a merge of three", try editedModel { $0["merges"] = ["a a a"] }),
            ("a merge of an unknown token", try editedModel { $0["merges"] = ["a ZZZ"] }),
            ("a merge whose result is not a token", try editedModel { $0["merges"] = ["Q Q"] }),
            ("added_tokens an object", try edited { $0["added_tokens"] = ["id": 1] }),
            ("an added token id that is a string", try edited { $0["added_tokens"] = [["id": "300", "content": "<x>"]] }),
            ("an added token without content", try edited { $0["added_tokens"] = [["id": 300]] }),
            ("an added token beyond any id", try edited { $0["added_tokens"] = [["id": 1 << 40, "content": "<x>"]] }),
            ("two added tokens with one id", try edited {
                $0["added_tokens"] = [["id": 300, "content": "<x>"], ["id": 300, "content": "<y>"]]
            }),
            ("pretokenizers an object", try edited { $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": ["a": 1]] }),
            ("a normalizer that is a string", try edited { $0["normalizer"] = "NFC" }),
            ("the model a string", try edited { $0["model"] = "BPE" }),
            ("the top level an array", try directory(["tokenizer.json": Data("[1, 2]".utf8)])),
            ("an empty file", try directory(["tokenizer.json": Data()])),
        ]
        for (what, folder) in cases {
            guard let error = loadError(folder) else { continue }
            switch error {
            case .wrongFormat, .invalidJSON, .mergeOfUnknownToken, .mergedTokenMissing, .duplicateID: break
            default: XCTFail("\(what): \(error)")
            }
        }
    }

    func testUnsupportedFeaturesAreNamed() throws {
        let cases: [(String, String, URL)] = [
            ("NFKC", "normalizer NFKC", try edited { $0["normalizer"] = ["type": "NFKC"] }),
            ("byte_fallback", "byte_fallback", try editedModel { $0["byte_fallback"] = true }),
            ("a WordPiece model", "WordPiece", try editedModel { $0["type"] = "WordPiece" }),
            ("a literal split", "Regex", try edited { json in
                var pre = json["pre_tokenizer"] as! [String: Any]
                var steps = pre["pretokenizers"] as! [[String: Any]]
                steps[0]["pattern"] = ["String": " "]
                pre["pretokenizers"] = steps
                json["pre_tokenizer"] = pre
            }),
            ("a removing split", "Removed", try edited { json in
                var pre = json["pre_tokenizer"] as! [String: Any]
                var steps = pre["pretokenizers"] as! [[String: Any]]
                steps[0]["behavior"] = "Removed"
                pre["pretokenizers"] = steps
                json["pre_tokenizer"] = pre
            }),
            ("ByteLevel without its regex alone", "use_regex", try edited {
                $0["pre_tokenizer"] = ["type": "ByteLevel", "use_regex": false]
            }),
            ("a prefix space", "add_prefix_space", try edited {
                $0["pre_tokenizer"] = ["type": "ByteLevel", "add_prefix_space": true]
            }),
            ("Metaspace", "Metaspace", try edited { $0["pre_tokenizer"] = ["type": "Metaspace"] }),
        ]
        for (what, named, folder) in cases {
            guard let error = loadError(folder) else { continue }
            guard case .unsupported = error else { XCTFail("\(what): \(error)"); continue }
            XCTAssertTrue(error.description.contains(named), "\(what): \(error)")
        }
    }

    func testTokenizerConfigNamesTheRoles() throws {
        let json = try root("llama3-merges-as-strings.json")
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: synthetic
            .appendingPathComponent("tokenizer_config.json"))) as? [String: Any])
        let tokenizer = try BPETokenizer(directory: directory(json: json, config: config))
        XCTAssertEqual(tokenizer.roles, SpecialTokenRoles(eos: 300))
        let withBOS = try BPETokenizer(directory: directory(json: json, config: [
            "bos_token": ["content": "<|eot_id|>", "__type": "AddedToken"], "add_bos_token": true, "pad_token": "a"]))
        XCTAssertEqual(withBOS.roles, SpecialTokenRoles(bos: 300, padding: withBOS.encode("a").first, addsBOS: true))
        let unknown = try directory(json: json, config: ["eos_token": "<|missing|>"])
        guard case .wrongFormat = loadError(unknown, naming: "tokenizer_config.json") else { return XCTFail("unknown eos") }
        let wrongType = try directory(json: json, config: ["eos_token": 5])
        guard case .wrongFormat = loadError(wrongType, naming: "tokenizer_config.json") else { return XCTFail("eos 5") }
        let notObject = try directory(["tokenizer.json": JSONSerialization.data(withJSONObject: json),
                                       "tokenizer_config.json": Data("[]".utf8)])
        guard case .wrongFormat = loadError(notObject, naming: "tokenizer_config.json") else { return XCTFail("array") }
    }

    func testPostProcessorTemplateSaysBOSIsAdded() throws {
        var json = try root("llama3-merges-as-strings.json")
        json["post_processor"] = ["type": "Sequence", "processors": [
            ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
            ["type": "TemplateProcessing",
             "single": [["SpecialToken": ["id": "<|eot_id|>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
             "pair": [], "special_tokens": [:]] as [String: Any],
        ]]
        let tokenizer = try BPETokenizer(directory: directory(json: json))
        XCTAssertEqual(tokenizer.roles, SpecialTokenRoles(bos: 300, addsBOS: true))
    }
}
