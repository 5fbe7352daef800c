import Foundation
import Tasks
import XCTest
@testable import LocalBackend

/// Manifest task entries name local weights or a serving engine, never both; the loader tells them apart.
final class ManifestEndpointTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func write(_ tasks: String) throws {
        try Data(#"{"format": "gptls-manifest-1", "tasks": \#(tasks)}"#.utf8)
            .write(to: directory.appendingPathComponent("manifest.json"))
    }

    private func assertBadManifest(_ tasks: String, mentions needle: String,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        try write(tasks)
        XCTAssertThrowsError(try ModelManifest.load(from: directory), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(needle), "\(error)", file: file, line: line)
        }
    }

    func testAnEndpointTaskIsFoundAndItsFallbackTasksFollowIt() throws {
        try write(#"{"completion": {"endpoint": "http://gpu:8000/v1", "model": "sft", "api_key_env": "K"},"#
            + #" "classify": {"weights": "c.safetensors"}}"#)
        let expected = EndpointConfiguration(url: "http://gpu:8000/v1", model: "sft", apiKeyVariable: "K")
        XCTAssertEqual(try ModelLoader.endpoint(directory.path, task: "completion"), expected)
        XCTAssertEqual(try ModelLoader.endpoint(directory.path, task: "summarize"), expected, "falls back to completion")
        XCTAssertNil(try ModelLoader.endpoint(directory.path, task: "classify"))
        XCTAssertThrowsError(try ModelLoader.source(directory.path, task: "completion")) { error in
            XCTAssertTrue("\(error)".contains("served by http://gpu:8000/v1"), "\(error)")
        }
    }

    func testAnEntryWithBothWeightsAndAnEndpointOrWithNeitherIsRefused() throws {
        try assertBadManifest(#"{"completion": {"weights": "a.safetensors", "endpoint": "http://x/v1", "model": "m"}}"#,
                              mentions: "either \"weights\" or \"endpoint\"")
        try assertBadManifest(#"{"completion": {"labels": ["a"]}}"#, mentions: "either \"weights\" or \"endpoint\"")
    }

    func testAnEndpointInAManifestWithATokenizerGetsItsDirectoryAndContext() throws {
        try Data(#"""
            {"format": "gptls-manifest-1", "tokenizer": {"vocab": "vocab.json", "merges": "merges.txt"},
             "tasks": {"completion": {"endpoint": "http://gpu:8000/v1", "model": "sft", "context_tokens": 2048}}}
            """#.utf8).write(to: directory.appendingPathComponent("manifest.json"))
        let endpoint = try XCTUnwrap(try ModelLoader.endpoint(directory.path, task: "completion"))
        XCTAssertEqual(endpoint.tokenizerDirectory, directory.path)
        XCTAssertEqual(endpoint.contextTokens, 2048)
        try write(#"{"completion": {"endpoint": "http://gpu:8000/v1", "model": "sft"}}"#)
        XCTAssertNil(try ModelLoader.endpoint(directory.path, task: "completion")?.tokenizerDirectory,
                     "without a tokenizer the prompts are windowed in characters")
    }

    func testAContextOfFewerThanTwoTokensIsRefused() throws {
        try assertBadManifest(#"{"completion": {"endpoint": "http://x/v1", "model": "m", "context_tokens": 1}}"#,
                              mentions: "context_tokens is 1")
    }

    func testAnEndpointWithoutAModelNameIsRefused() throws {
        try assertBadManifest(#"{"completion": {"endpoint": "http://x/v1"}}"#, mentions: "needs \"model\"")
    }
}
