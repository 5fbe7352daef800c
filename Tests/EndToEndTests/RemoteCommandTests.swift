import EngineTestSupport
import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// `gptls export` and the remote backend through the built binary, against llama-cpp-python's server on loopback:
/// the exported files load and compute what gptls computes, `--endpoint` and manifest endpoints serve tasks, and a
/// dead endpoint is a clear error while the server keeps serving.
final class RemoteCommandTests: XCTestCase {
    private var directory: URL!
    private var model: URL { directory.appendingPathComponent("model") }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-remote-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let made = try Binary.run(["random-model", model.path, "--seed", "5"], executable: try Binary.tools)
        XCTAssertEqual(made.code, 0, made.stderr)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func generate(_ arguments: [String], prompt: String) throws -> JSONValue {
        let result = try Binary.run(["generate", "--prompt", prompt, "--max-tokens", "12", "--json"] + arguments)
        XCTAssertEqual(result.code, 0, result.stderr)
        return try JSONValue.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Exports the random model as GGUF and starts the engine on it.
    private func engine() throws -> EngineProcess {
        _ = try EngineProcess.python()  // skips, saying how to install it, when the engine is missing
        let gguf = directory.appendingPathComponent("model.gguf")
        let export = try Binary.run(["export", model.path, "--to", "gguf", gguf.path])
        XCTAssertEqual(export.code, 0, export.stderr)
        return try EngineProcess(gguf: gguf, contextLength: 256)
    }

    func testHFExportGeneratesTheSameGreedyTokensAsTheOriginal() throws {
        let hf = directory.appendingPathComponent("hf")
        let export = try Binary.run(["export", model.path, "--to", "hf", hf.path])
        XCTAssertEqual(export.code, 0, export.stderr)
        for file in ["config.json", "model.safetensors", "vocab.json", "merges.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: hf.appendingPathComponent(file).path), file)
        }
        let prompt = "def mean(values):"
        XCTAssertEqual(try generate(["--model", hf.path], prompt: prompt)["tokens"],
                       try generate(["--model", model.path], prompt: prompt)["tokens"])
    }

    func testGenerateThroughTheEngineEqualsLocalGenerateOnTheExportedGGUF() throws {
        let engine = try engine()
        defer { engine.stop() }
        for prompt in ["def mean(values):", "Every effort moves you"] {
            let local = try generate(["--model", model.path], prompt: prompt)
            let remote = try generate(["--endpoint", engine.url, "--endpoint-model", engine.model], prompt: prompt)
            XCTAssertEqual(remote["text"], local["text"], prompt)
            // Without --endpoint-model the engine's only model is used.
            XCTAssertEqual(try generate(["--endpoint", engine.url], prompt: prompt)["text"], local["text"], prompt)
        }
    }

    private func start(manifest tasks: String, tokenizer: Bool = false,
                       settings: JSONValue = .null) throws -> ServerProcess {
        let files = tokenizer ? #""tokenizer": {"vocab": "vocab.json", "merges": "merges.txt"}, "# : ""
        let manifest = #"{"format": "gptls-manifest-1", "config": "config.json", \#(files)"tasks": \#(tasks)}"#
        try Data(manifest.utf8).write(to: model.appendingPathComponent("manifest.json"))
        let server = try ServerProcess(executable: try Binary.gptls,
                                       arguments: ["serve", "--model", model.path, "--log-level", "warning"])
        _ = try server.client.request("initialize", params: [
            "processId": .null, "capabilities": [:], "initializationOptions": settings,
        ], timeout: 60)
        server.client.notify("initialized", params: [:])
        server.client.notify("textDocument/didOpen", params: ["textDocument": [
            "uri": "file:///a.py", "languageId": "python", "version": 1, "text": "def mean(values):\n    total = ",
        ]])
        return server
    }

    private func complete(_ server: ServerProcess) throws -> JSONValue {
        try server.client.request("textDocument/inlineCompletion", params: [
            "textDocument": ["uri": "file:///a.py"], "position": ["line": 1, "character": 12],
            "context": ["triggerKind": 1],
        ], timeout: 60)
    }

    func testAManifestMixesARemoteCompletionWithALocalClassifierAndStatusShowsTheEndpoint() throws {
        let engine = try engine()
        defer { engine.stop() }
        // No "model": the engine's only model serves the task.
        let server = try start(manifest: #"""
            {"completion": {"endpoint": "\#(engine.url)"}, "classify": {"weights": "model.safetensors"}}
            """#)
        defer { server.stop() }
        XCTAssertNotNil(try complete(server)["items"]?.array)
        let classified = try server.client.request("gptls/classify", params: [
            "text": "let x = 1", "labels": ["code", "prose"],
        ], timeout: 60)
        XCTAssertEqual(classified["scores"]?.array?.count, 2)
        let status = try server.client.request("gptls/status", timeout: 10)
        let endpoint = try XCTUnwrap(status["models"]?["endpoints"]?[0])
        XCTAssertEqual(endpoint["url"]?.string, engine.url)
        XCTAssertEqual(endpoint["model"]?.string, engine.model)
        XCTAssertEqual(endpoint["healthy"], true)
    }

    func testTheEndpointSettingWithoutAModelUsesTheEnginesOnlyModel() throws {
        let engine = try engine()
        defer { engine.stop() }
        let server = try start(manifest: #"{"completion": {"weights": "model.safetensors"}}"#,
                               settings: ["endpoint": .string(engine.url)])
        defer { server.stop() }
        XCTAssertNotNil(try complete(server)["items"]?.array)
        let status = try server.client.request("gptls/status", timeout: 10)
        XCTAssertEqual(status["models"]?["endpoints"]?[0]?["model"]?.string, engine.model)
        XCTAssertEqual(status["models"]?["endpoints"]?.array?.count, 1, "every task on the engine")
    }

    func testAManifestWithTheTokenizerWindowsALongDocumentInTokensForTheEngine() throws {
        let engine = try engine()
        defer { engine.stop() }
        // The tokenizer files beside the weights, as `export --to hf` writes them.
        let hf = directory.appendingPathComponent("hf")
        let export = try Binary.run(["export", model.path, "--to", "hf", hf.path])
        XCTAssertEqual(export.code, 0, export.stderr)
        for file in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: hf.appendingPathComponent(file), to: model.appendingPathComponent(file))
        }
        let server = try start(manifest: #"""
            {"completion": {"endpoint": "\#(engine.url)", "model": "\#(engine.model)", "context_tokens": 256}}
            """#, tokenizer: true)
        defer { server.stop() }
        // About 1,500 tokens: in characters the prompt would overflow the engine's 256-token context.
        let lines = (0..<120).map { "x\($0) = values[\($0)] * 2" } + ["def mean(values):"]
        server.client.notify("textDocument/didOpen", params: ["textDocument": [
            "uri": "file:///long.py", "languageId": "python", "version": 1, "text": .string(lines.joined(separator: "\n")),
        ]])
        let result = try server.client.request("textDocument/inlineCompletion", params: [
            "textDocument": ["uri": "file:///long.py"],
            "position": ["line": .int(lines.count - 1), "character": .int(lines.last!.count)],
            "context": ["triggerKind": 1],
        ], timeout: 60)
        let metrics = try XCTUnwrap(result["metrics"])
        XCTAssertNil(metrics["promptUnit"], "counts are tokens: \(metrics)")
        let promptTokens = try XCTUnwrap(metrics["promptTokens"]?.int)
        XCTAssertGreaterThan(promptTokens, 100)
        XCTAssertLessThanOrEqual(promptTokens, 256)
    }

    func testADeadEndpointIsAnErrorNamingItAndTheServerKeepsServing() throws {
        let url = "http://127.0.0.1:\(try EngineProcess.freePort())/v1"
        let server = try start(manifest: #"{"completion": {"endpoint": "\#(url)", "model": "m"}}"#)
        defer { server.stop() }
        XCTAssertThrowsError(try complete(server)) { error in
            guard let error = error as? ResponseError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.code, .requestFailed)
            XCTAssertEqual(error.data?["endpoint"]?.string, url)
            XCTAssertEqual(error.data?["reason"]?.string, "endpoint")
        }
        let status = try server.client.request("gptls/status", timeout: 10)
        XCTAssertEqual(status["models"]?["endpoints"]?[0]?["healthy"], false)
    }

    /// libcurl and what it links (TLS, HTTP/2, LDAP...) cost every process megabytes: a server loads it only when a
    /// request goes to an endpoint.
    func testLibcurlIsLoadedOnlyOnceARequestGoesToAnEndpoint() throws {
        func mapsLibcurl(_ server: ServerProcess) throws -> Bool {
            // Read to the end: /proc files have no size, and a read by their size gets only the first page.
            let handle = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/\(server.process.processIdentifier)/maps"))
            defer { try? handle.close() }
            return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self).contains("libcurl")
        }
        guard FileManager.default.fileExists(atPath: "/proc/self/maps") else { throw XCTSkip("no /proc here") }
        let url = "http://127.0.0.1:\(try EngineProcess.freePort())/v1"
        let server = try start(manifest: #"{"completion": {"endpoint": "\#(url)", "model": "m"}}"#)
        defer { server.stop() }
        XCTAssertFalse(try mapsLibcurl(server), "libcurl mapped before any request")
        // Nothing listens there: the request fails, once libcurl has tried to connect.
        XCTAssertThrowsError(try complete(server)) { error in
            XCTAssertEqual((error as? ResponseError)?.data?["reason"]?.string, "endpoint", "\(error)")
        }
        XCTAssertTrue(try mapsLibcurl(server), "the request went out without libcurl")
    }
}
