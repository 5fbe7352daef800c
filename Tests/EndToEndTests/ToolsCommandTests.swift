import Foundation
import XCTest

/// `gptls-tools`, the executable beside `gptls`: it holds the benchmarks and the model writer, finds the `gptls` it
/// starts beside itself, and `gptls` keeps only the product's commands (and the demo).
final class ToolsCommandTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-tools-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testTheServerListsNoToolsAndTheToolsListTheirCommands() throws {
        let server = try Binary.run(["--help"])
        XCTAssertEqual(server.code, 0, server.stderr)
        XCTAssertTrue(server.stdout.contains("demo"), server.stdout)
        for tool in ["bench", "random-model"] {
            XCTAssertFalse(server.stdout.contains(tool), "gptls --help lists \(tool): \(server.stdout)")
        }
        let tools = try Binary.run(["--help"], executable: try Binary.tools)
        XCTAssertEqual(tools.code, 0, tools.stderr)
        for tool in ["bench ", "bench-server", "bench-tokenizer", "random-model"] {
            XCTAssertTrue(tools.stdout.contains(tool), "gptls-tools --help lacks \(tool): \(tools.stdout)")
        }
    }

    func testRandomModelWritesAModelThatTheServerBinaryReads() throws {
        let directory = try temporaryDirectory().appendingPathComponent("model")
        let written = try Binary.run(["random-model", directory.path, "--seed", "3"], executable: try Binary.tools)
        XCTAssertEqual(written.code, 0, written.stderr)
        let inspected = try Binary.run(["inspect", directory.path])
        XCTAssertEqual(inspected.code, 0, inspected.stderr)
        XCTAssertTrue(inspected.stdout.contains("n_layer 2"), inspected.stdout)
    }

    func testBenchServerWithoutAGptlsBesideItSaysWhereItLookedAndWhatToDo() throws {
        let directory = try temporaryDirectory()
        let lonely = directory.appendingPathComponent("gptls-tools")
        try FileManager.default.copyItem(at: try Binary.tools, to: lonely)
        let result = try Binary.run(["bench-server", "--model", Binary.model], executable: lonely)
        XCTAssertNotEqual(result.code, 0)
        XCTAssertTrue(result.stderr.contains("no gptls beside this executable (looked for "
                                             + directory.appendingPathComponent("gptls").path), result.stderr)
        XCTAssertTrue(result.stderr.contains("--server"), result.stderr)

        let given = try Binary.run(["bench-server", "--model", Binary.model, "--server", lonely.path + "-missing"],
                                   executable: lonely)
        XCTAssertNotEqual(given.code, 0)
        XCTAssertTrue(given.stderr.contains(lonely.path + "-missing is not an executable gptls"), given.stderr)
    }

    /// `--context alternate` runs the context setting on and off in turn in one run, each round its own server, and
    /// reports the ratio of their keystroke latencies.
    func testBenchServerAlternatesTheContextSettingAndReportsTheLatencyRatio() throws {
        let model = Binary.repository.appendingPathComponent("Tests/ModelTestSupport/Fixtures/family-qwen2-fim").path
        let sources = Binary.repository.appendingPathComponent("Sources/LanguageServer").path
        let result = try Binary.run(["bench-server", "--model", model, "--server", try Binary.gptls.path,
                                     "--clients", "1", "--cache", "on", "--context", "alternate", "--rounds", "2",
                                     "--completion-cache", "off", "--workspace-documents", "2", "--seconds", "1",
                                     "--char-ms", "40", "--pause-ms", "0", "--prompt-tokens", "64",
                                     "--decode-tokens", "4", "--sources", sources, "--json"],
                                    executable: try Binary.tools)
        XCTAssertEqual(result.code, 0, result.stderr)
        let figures = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let runs = try XCTUnwrap(figures["runs"] as? [[String: Any]], result.stdout)
        XCTAssertEqual(runs.compactMap { $0["context"] as? Bool }, [true, false, false, true], "on off, off on")
        let ratios = try XCTUnwrap(figures["ratios"] as? [String: Double], result.stdout)
        let ratio = try XCTUnwrap(ratios["keystroke round-trip p50, context on / off, 1 clients, prefix cache on"],
                                  "\(ratios)")
        XCTAssertGreaterThan(ratio, 0)
    }

    /// `quality` scores every weight format on the same text against f32: f32 agrees with itself, and bf16 and int8
    /// stay within 2% of its perplexity on the bundled model; a label the classifier lacks is refused by name.
    func testQualityComparesEveryWeightFormatWithF32OnTheSameText() throws {
        let bundled = Binary.repository.appendingPathComponent("models/default")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: bundled.appendingPathComponent("manifest.json").path),
                          "quality needs the bundled model")
        let text = Binary.repository.appendingPathComponent("docs/DESIGN.md").path
        let swift = Binary.repository.appendingPathComponent("Sources/Model/GPTModel+Forward.swift").path
        let result = try Binary.run(["quality", "--model", bundled.path, "--text", text, "--labelled", "swift=" + swift,
                                     "--window", "64", "--max-windows", "3", "--greedy-tokens", "4", "--json"],
                                    executable: try Binary.tools)
        XCTAssertEqual(result.code, 0, result.stderr)
        let figures = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let f32 = try XCTUnwrap(figures["f32"] as? [String: Double], result.stdout)
        XCTAssertEqual(f32["top1_agreement"], 1)
        XCTAssertEqual(f32["greedy_identical"], 1)
        for format in ["bf16", "int8"] {
            let other = try XCTUnwrap(figures[format] as? [String: Double], result.stdout)
            XCTAssertEqual(other["perplexity"]!, f32["perplexity"]!, accuracy: 0.02 * f32["perplexity"]!, format)
            XCTAssertGreaterThan(other["top1_agreement"]!, 0.9, format)
            XCTAssertNotNil(other["classifier_accuracy"], format)
        }

        let refused = try Binary.run(["quality", "--model", bundled.path, "--text", text, "--labelled", "cobol=" + swift,
                                      "--window", "64", "--max-windows", "1", "--weights", "int8"],
                                     executable: try Binary.tools)
        XCTAssertNotEqual(refused.code, 0)
        XCTAssertTrue(refused.stderr.contains("cobol=" + swift + ": expected LABEL=PATH with LABEL one of python, swift"),
                      refused.stderr)
    }

    func testDemoDrivesTheServerThroughEveryTaskAndExitsCleanly() throws {
        let bundled = Binary.repository.appendingPathComponent("models/default/manifest.json")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: bundled.path), "the demo needs the bundled model")
        let result = try Binary.run(["demo"])
        XCTAssertEqual(result.code, 0, result.stderr)
        for heading in ["== Typing", "ghost text:", "== Summarize", "== Classify snippets", "== Cache:"] {
            XCTAssertTrue(result.stdout.contains(heading), "no \(heading) in: \(result.stdout)")
        }
    }
}
