import Foundation
import JSON
import XCTest

/// `scripts/check/soak`, shortened: the built server under mixed editor traffic and floods for a few seconds, and the
/// soak's own checks shown to fail on a server that breaks them.
final class SoakTests: XCTestCase {
    private static let script = Binary.repository.appendingPathComponent("scripts/check/soak")

    /// Runs the soak for `seconds` against `server` (default: the built `gptls`); its exit code and JSON summary.
    private func soak(_ extra: [String], server: URL? = nil) throws -> (code: Int32, summary: JSONValue, stderr: String) {
        let arguments = ["--gptls", try (server ?? Binary.gptls).path, "--model", Binary.model] + extra
        let run = try Binary.run(arguments, executable: Self.script)
        let summary = try JSONValue.parse(run.stdout.split(separator: "\n").last.map(String.init) ?? "")
        return (run.code, summary, run.stderr)
    }

    /// The memory margin of the short soak. Under a sanitizer (`scripts/check/sanitized` names it) the server's
    /// resident memory also holds the sanitizer's shadow memory and quarantine of freed blocks (256 MiB for the
    /// address sanitizer), which are not the server's own: the bound is checked on the plain build.
    private var marginMB: String {
        ProcessInfo.processInfo.environment["GPTLS_TEST_SANITIZER"] == nil ? "256" : "4096"
    }

    func testAShortSoakAnswersEveryRequestExactlyOnceStaysUnderItsMemoryBoundAndExitsCleanly() throws {
        let run = try soak(["--seconds", "6", "--flood-every", "2", "--flood-size", "150", "--pace-ms", "10",
                            "--margin-mb", marginMB])
        XCTAssertEqual(run.code, 0, "\(run.summary["problems"] ?? .null) \(run.stderr)")
        let requests = try XCTUnwrap(run.summary["requests"]?.int)
        XCTAssertGreaterThan(requests, 300, "a flood or two and the typing between them")
        XCTAssertEqual(run.summary["replies"]?.int, requests)
        XCTAssertEqual(run.summary["answeredExactlyOnce"]?.int, requests)
        XCTAssertEqual(run.summary["idNullReplies"], run.summary["malformedBodies"])
        XCTAssertEqual(run.summary["exitCode"], 0)
        XCTAssertLessThanOrEqual(try XCTUnwrap(run.summary["maxRSSMiB"]?.double),
                                 try XCTUnwrap(run.summary["boundMiB"]?.double))
    }

    func testAShortSharedSoakSurvivesKillsWithEveryRequestAnsweredOnceAndTheEditorsTextIntact() throws {
        let script = Binary.repository.appendingPathComponent("scripts/check/soak-shared")
        let run = try Binary.run(["--gptls", try Binary.gptls.path, "--model", Binary.model, "--editors", "2",
                                  "--seconds", "14", "--kill-min", "4", "--kill-max", "6", "--pace-ms", "60"],
                                 executable: script)
        let summary = try JSONValue.parse(run.stdout.split(separator: "\n").last.map(String.init) ?? "")
        XCTAssertEqual(run.code, 0, "\(summary["problems"] ?? .null) \(run.stderr)")
        XCTAssertGreaterThanOrEqual(summary["kills"]?.int ?? 0, 2)
        XCTAssertGreaterThan(summary["requests"]?.int ?? 0, 50)
        XCTAssertEqual(summary["replies"], summary["requests"])
        XCTAssertEqual(summary["lost"], 0)
        XCTAssertEqual(summary["duplicated"], 0)
        XCTAssertEqual(summary["versionReplaced"], true, "the upgrade half-way did not replace the version")
        XCTAssertEqual(summary["documentsChecked"], 3, "the two editors and the one started after the upgrade")
        XCTAssertEqual(summary["documentsDiffering"], 0)
    }

    func testTheSoakFailsWhenResidentMemoryGoesOverItsBound() throws {
        let run = try soak(["--seconds", "3", "--margin-mb", "-4096"])
        XCTAssertEqual(run.code, 1)
        XCTAssertTrue(run.stderr.contains("resident memory"), run.stderr)
    }

    /// A stand-in server that answers every request twice: the soak must catch it.
    func testTheSoakFailsOnAServerThatAnswersARequestTwice() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let server = directory.appendingPathComponent("twice")
        try """
        #!/usr/bin/env python3
        import json, sys
        stream = sys.stdin.buffer
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    sys.exit(1)
                if line in (b"\\r\\n", b"\\n"):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value) if value.strip().isdigit() else None
            if length is None:
                continue
            try:
                message = json.loads(stream.read(length))
            except ValueError:
                message = None
            if not isinstance(message, dict) or "id" not in message:
                if isinstance(message, dict) and message.get("method") == "exit":
                    sys.exit(0)
                continue
            body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": None}).encode()
            for _ in range(2):
                sys.stdout.buffer.write(b"Content-Length: %d\\r\\n\\r\\n" % len(body) + body)
            sys.stdout.buffer.flush()
        """.write(to: server, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: server.path)
        let run = try soak(["--seconds", "1", "--drain-seconds", "2"], server: server)
        XCTAssertEqual(run.code, 1)
        XCTAssertTrue(run.stderr.contains("was answered twice"), run.stderr)
    }
}
