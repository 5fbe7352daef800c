import Foundation
import Tasks
import XCTest

/// Where each task runs: manifest task entries name local weights or a serving engine, never both; the settings'
/// and flags' endpoint sends every task there without looking for a model.
final class TaskPlacementTests: XCTestCase {
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

    private func placement(_ task: TaskKind) throws -> TaskPlacement {
        try TaskPlacement(model: directory.path, task: task)
    }

    func testAnEndpointTaskIsFoundAndItsFallbackTasksFollowIt() throws {
        try write(#"{"completion": {"endpoint": "http://gpu:8000/v1", "model": "sft", "api_key_env": "K"},"#
            + #" "classify": {"weights": "c.safetensors"}}"#)
        let expected = EndpointConfiguration(url: "http://gpu:8000/v1", model: "sft", apiKeyVariable: "K")
        XCTAssertEqual(try placement(.completion), .remote(expected))
        XCTAssertEqual(try placement(.summarize), .remote(expected), "falls back to completion")
        let weights = directory.appendingPathComponent("c.safetensors")
        XCTAssertEqual(try placement(.classify), .local(ModelSource(weights: weights)))
        XCTAssertThrowsError(try ModelSource(model: directory.path, task: .completion)) { error in
            XCTAssertTrue("\(error)".contains("served by http://gpu:8000/v1"), "\(error)")
        }
    }

    func testTheConfigurationsPlacementsSendEveryTaskToItsEndpointWithoutLookingForAModel() throws {
        let endpoint = EndpointConfiguration(url: "http://gpu:8000/v1")
        let missing = directory.appendingPathComponent("nothing here").path
        let configuration = BackendConfiguration(models: [.completion: missing], endpoint: endpoint)
        XCTAssertEqual(try configuration.placements(), [.completion: .remote(endpoint), .summarize: .remote(endpoint),
                                                        .classify: .remote(endpoint)])
        try write(#"{"completion": {"weights": "a.safetensors"}, "summarize": {"endpoint": "http://x/v1"}}"#)
        let placements = try BackendConfiguration(models: [.completion: directory.path, .summarize: directory.path,
                                                           .classify: directory.path]).placements()
        XCTAssertEqual(placements[.summarize], .remote(EndpointConfiguration(url: "http://x/v1")))
        let weights = directory.appendingPathComponent("a.safetensors")
        XCTAssertEqual(placements[.classify], .local(ModelSource(weights: weights)), "the completion task's weights")
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
        guard case .remote(let endpoint) = try placement(.completion) else { return XCTFail("expected an endpoint") }
        XCTAssertEqual(endpoint.tokenizerDirectory, directory.path)
        XCTAssertEqual(endpoint.contextTokens, 2048)
        try write(#"{"completion": {"endpoint": "http://gpu:8000/v1", "model": "sft"}}"#)
        guard case .remote(let plain) = try placement(.completion) else { return XCTFail("expected an endpoint") }
        XCTAssertNil(plain.tokenizerDirectory, "without a tokenizer the prompts are windowed in characters")
    }

    func testAContextOfFewerThanTwoTokensIsRefused() throws {
        try assertBadManifest(#"{"completion": {"endpoint": "http://x/v1", "model": "m", "context_tokens": 1}}"#,
                              mentions: "context_tokens is 1")
    }

    func testAnEndpointWithoutAModelNameLeavesTheChoiceToTheEngine() throws {
        try write(#"{"completion": {"endpoint": "http://x/v1"}}"#)
        XCTAssertEqual(try placement(.completion), .remote(EndpointConfiguration(url: "http://x/v1", model: nil)))
    }

    func testAMemberOfTheWrongTypeIsRefusedByItsName() throws {
        try assertBadManifest(#"{"completion": {"weights": "a"}, "classify": {"weights": "c", "labels": [1]}}"#,
                              mentions: "tasks.classify.labels must be an array of strings, not [1]")
        try assertBadManifest(#"{"completion": {"weights": "a.safetensors", "max_tokens": "256"}}"#,
                              mentions: "tasks.completion.max_tokens must be an integer")
        try assertBadManifest(#"{"completion": "a.safetensors"}"#, mentions: "tasks.completion must be an object")
        try assertBadManifest(#"{"completion": {"weights": "a"}, "translate": {"weights": "b"}}"#,
                              mentions: "unknown task \"translate\"")
        try assertBadManifest(#"{"summarize": {"weights": "a"}}"#, mentions: "no weights for the completion task")
        let file = directory.appendingPathComponent("manifest.json")
        try Data(#"{"format": "gptls-manifest-1", "tasks": "#.utf8).write(to: file)
        XCTAssertThrowsError(try ModelManifest.load(from: directory)) { error in
            XCTAssertTrue("\(error)".hasPrefix(file.path + ": it is not valid JSON"), "\(error)")
        }
    }

    func testNullMembersReadAsAbsentAndUnknownMembersAreIgnored() throws {
        try write(#"{"completion": {"weights": "a.safetensors", "labels": null, "heads": null, "comment": 3}}"#)
        let manifest = try ModelManifest.load(from: directory)
        XCTAssertEqual(manifest.tasks[.completion]?.weights, "a.safetensors")
        XCTAssertNil(manifest.tasks[.completion]?.labels)
        XCTAssertEqual(Set(manifest.tasks.keys), [.completion])
    }
}
