import Foundation
import JSON
import JSONRPC
import XCTest

/// How the binary's life ends: exit, end of input, a parent that is gone.
final class ProcessLifetimeTests: XCTestCase {
    private func initialize(_ server: RawServer, processId: JSONValue = .null) throws {
        let request: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "initialize",
                                  "params": ["processId": processId, "capabilities": [:]]]
        server.write(Framing.encode(request.serialize()))
        XCTAssertNotNil(try server.readMessage(timeout: 60, place: "initialize")["result"])
    }

    func testEndOfInputEndsTheProcessWithCodeOne() throws {
        let server = try RawServer.serve()
        try initialize(server)
        XCTAssertEqual(server.waitForExit(), 1)
    }

    func testADeadParentEndsTheServer() throws {
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/sleep")
        parent.arguments = ["1"]
        try parent.run()
        let server = try RawServer.serve()
        defer { server.stop() }
        try initialize(server, processId: .int(Int(parent.processIdentifier)))
        parent.waitUntilExit()
        let deadline = Date().addingTimeInterval(10)
        while server.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertFalse(server.process.isRunning, "the server outlived its parent by 10 s")
        XCTAssertEqual(server.process.terminationStatus, 1)
    }
}

/// The command-line tools that are not the server.
final class CommandLineTests: XCTestCase {
    private func run(_ arguments: [String], input: String? = nil) throws -> (code: Int32, stdout: String, stderr: String) {
        try Binary.run(arguments, input: input)
    }

    func testTokenizePrintsGPT2IdsAsJSONAndCounts() throws {
        let ids = try run(["tokenize", "hello world"])
        XCTAssertEqual(ids.code, 0)
        XCTAssertEqual(try JSONValue.parse(ids.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), [31373, 995])
        let count = try run(["tokenize", "--count", "Every effort moves you"])
        XCTAssertEqual(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "4")
    }

    func testGenerateWithPromptTokensPrintsJSON() throws {
        let result = try run(["generate", "--model", Binary.model, "--prompt-tokens", "464,2068", "--max-tokens", "3",
                              "--json"])
        XCTAssertEqual(result.code, 0, result.stderr)
        let json = try JSONValue.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(json["prompt_tokens"], [464, 2068])
        XCTAssertLessThanOrEqual(json["tokens"]?.array?.count ?? 99, 3)
    }

    func testAMissingModelIsAClearErrorNotACrash() throws {
        let result = try run(["inspect", "/nonexistent/model.safetensors"])
        XCTAssertNotEqual(result.code, 0)
        XCTAssertTrue(result.stderr.contains("/nonexistent/model.safetensors"), result.stderr)
    }
}
