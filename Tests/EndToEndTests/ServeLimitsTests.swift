import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// `gptls serve` under a memory limit, and settings a repository could plant, through the built binary as an editor
/// drives it.
final class ServeLimitsTests: XCTestCase {
    private func start(_ server: ServerProcess, settings: JSONValue = [:]) throws -> JSONValue {
        let reply = try server.client.request("initialize", params: [
            "processId": .null, "capabilities": [:], "initializationOptions": settings,
        ], timeout: 60)
        server.client.notify("initialized", params: [:])
        return reply
    }

    private func open(_ server: ServerProcess, _ uri: String, _ text: String) {
        server.client.notify("textDocument/didOpen", params: ["textDocument": [
            "uri": .string(uri), "languageId": "python", "version": 1, "text": .string(text),
        ]])
    }

    private func complete(_ server: ServerProcess, _ uri: String, line: Int, character: Int) throws -> JSONValue {
        try server.client.request("textDocument/inlineCompletion", params: [
            "textDocument": ["uri": .string(uri)], "position": ["line": .int(line), "character": .int(character)],
            "context": ["triggerKind": 1],
        ], timeout: 120)
    }

    /// VmRSS of a process, in bytes.
    private func resident(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try XCTUnwrap(Int(line.split(separator: " ")[1])) << 10
    }

    func testUnderAMemoryLimitDocumentsAreRefusedClearlyWhileGhostTextGoesOnAndMemoryStaysUnder() throws {
        let limitMB = 320
        let server = try Binary.serve(["--max-memory-mb", "\(limitMB)"])
        defer { server.stop() }
        _ = try start(server)
        let typed = "def mean(values):\n    total = "
        open(server, "file:///typed.py", typed)
        XCTAssertNotNil(try complete(server, "file:///typed.py", line: 1, character: 12)["items"]?.array)

        // Documents of 2 MiB each until the server refuses one for its memory.
        let page = String(repeating: "x = [1, 2, 3]  # filler line of a large generated file\n", count: 38_000)
        var refused: String?
        for index in 0..<200 where refused == nil {
            let uri = "file:///big\(index).py"
            open(server, uri, page)
            do {
                _ = try complete(server, uri, line: 2, character: 0)
            } catch let error as ResponseError where error.data?["reason"]?.string == "memoryLimit" {
                XCTAssertTrue(error.message.contains("memory limit"), error.message)
                refused = uri
            }
        }
        let refusedURI = try XCTUnwrap(refused, "no document was refused under a \(limitMB) MiB limit")
        XCTAssertTrue(server.receivedNotifications.contains { note in
            note.method == "window/showMessage" && note.params?["message"]?.string?.contains(refusedURI) == true
        }, "the user is told which document was refused")

        // Typing in the open document goes on: ghost text for every keystroke.
        var text = typed
        for (step, character) in "sum(values)".enumerated() {
            text.append(character)
            server.client.notify("textDocument/didChange", params: [
                "textDocument": ["uri": "file:///typed.py", "version": .int(2 + step)],
                "contentChanges": [["text": .string(text)]],
            ])
            let reply = try complete(server, "file:///typed.py", line: 1, character: 12 + step + 1)
            XCTAssertNotNil(reply["items"]?.array, "keystroke \(step)")
        }
        let status = try server.client.request("gptls/status", timeout: 30)
        XCTAssertEqual(status["memory"]?["limitBytes"]?.int, limitMB << 20, "status shows the limit in effect")
        XCTAssertEqual(status["memory"]?["limitSource"]?.string, "--max-memory-mb")
        let peak = try resident(server.process.processIdentifier)
        // A sanitizer's shadow memory and quarantine are resident too, beyond anything the server can account for.
        if ProcessInfo.processInfo.environment["GPTLS_TEST_SANITIZER"] == nil {
            XCTAssertLessThan(peak, limitMB << 20, "resident \(peak >> 20) MiB against a \(limitMB) MiB limit")
        }
        print("memory-limited serve: \(refusedURI) refused, resident \(peak >> 20) MiB under \(limitMB) MiB")
    }

    func testAModelThatDoesNotFitUnderTheLimitIsRefusedWithASentenceAndTheServerServesOn() throws {
        // Less than the process itself, the bundled model's weights and the headroom need together.
        let server = try Binary.serve(["--max-memory-mb", "150"])
        defer { server.stop() }
        _ = try start(server)
        open(server, "file:///a.py", "def mean(values):\n    total = ")
        XCTAssertThrowsError(try complete(server, "file:///a.py", line: 1, character: 12)) { error in
            let response = error as? ResponseError
            XCTAssertEqual(response?.data?["reason"]?.string, "model", "\(error)")
            let message = response?.message ?? "\(error)"
            XCTAssertTrue(message.contains("under the memory limit of 150 MiB (--max-memory-mb)"), message)
        }
        let status = try server.client.request("gptls/status", timeout: 30)
        XCTAssertTrue(status["models"]?["error"]?.string?.contains("memory limit") ?? "\(status)".contains("memory limit"),
                      "\(status)")
    }

    func testSettingsThatWouldSendCodeOrASecretOffTheMachineAreRefusedAtInitialize() throws {
        let cases: [(JSONValue, String)] = [
            (["endpoint": "http://attacker.example/v1", "endpointModel": "m"], "endpoint"),
            (["endpoint": "http://127.0.0.1:9/v1", "endpointModel": "m", "endpointApiKeyEnv": "SECRET_TOKEN_FOR_TEST"],
             "endpointApiKeyEnv"),
        ]
        for (settings, setting) in cases {
            let server = try Binary.serve()
            defer { server.stop() }
            XCTAssertThrowsError(try start(server, settings: settings), setting) { error in
                let response = error as? ResponseError
                XCTAssertEqual(response?.code, .invalidParams, "\(error)")
                XCTAssertEqual(response?.data?["reason"]?.string, "untrustedSetting", "\(error)")
                XCTAssertEqual(response?.data?["setting"]?.string, setting, "\(error)")
            }
        }
        // The command line may allow an engine: the same setting is then accepted.
        let allowed = try Binary.serve(["--allow-endpoint", "http://gpu.example:8000"])
        defer { allowed.stop() }
        XCTAssertNoThrow(try start(allowed, settings: ["endpoint": "http://gpu.example:8000/v1", "endpointModel": "m"]))
    }
}
