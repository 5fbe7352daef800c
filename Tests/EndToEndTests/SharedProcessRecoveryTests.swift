import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// The shared process dies under `gptls connect` editors (SIGKILL, a crash, an upgrade): the editors' sessions go on
/// with a new process, each request in flight gets exactly one reply, and a crash leaves a report in the log.
final class SharedProcessRecoveryTests: SharedProcessTestCase {
    /// Waits until `editor`'s relay has replayed its session `count` times in all.
    private func waitForReplay(_ count: Int, by editor: ServerProcess) -> Bool {
        SharedProcess.waitUntil(30) { editor.standardError.components(separatedBy: "session is back").count > count }
    }

    func testAfterTheProcessIsKilledTheSessionGoesOnWithTheEditorsText() throws {
        let editor = try shared.editor("typist")
        SharedProcess.open(editor, uri: uri, text: text)
        var version = 1
        var current = SharedProcess.type("m", into: editor, after: text, version: &version)
        XCTAssertNotNil(try SharedProcess.complete(editor, at: current)["items"])

        try shared.killServer(seenBy: editor)
        // Typed while no process runs: the relay keeps these edits and replays them.
        current = SharedProcess.type("ath.sq", into: editor, after: current, version: &version)
        let afterKill = try SharedProcess.complete(editor, at: current)
        try shared.killServer(seenBy: editor)
        current = SharedProcess.type("rt(", into: editor, after: current, version: &version)
        let afterSecondKill = try SharedProcess.complete(editor, at: current)

        XCTAssertNotNil(afterKill["items"])
        XCTAssertEqual(afterSecondKill["items"], try SharedProcess.freshCompletion(of: current)["items"],
                       "the new process's text differs from the editor's")
        XCTAssertEqual(try SharedProcess.status(editor)["documents"], 1)
        XCTAssertTrue(editor.process.isRunning, "the editor's gptls connect exited")
        XCTAssertEqual(editor.client.unmatchedResponses, 0, "a reply the editor did not ask for reached it")
        XCTAssertEqual(shared.serverPIDs.count, 1)
    }

    func testARequestInFlightWhenTheProcessIsKilledGetsOneErrorSayingToRetry() throws {
        let editor = try shared.editor("waiting")
        SharedProcess.open(editor, uri: uri, text: text)
        let outcomes = Outcomes()
        editor.client.send("gptls/summarize", params: ["text": .string(longText)]) { outcomes.set("summary", $0) }
        XCTAssertEqual(try SharedProcess.status(editor)["pendingRequests"], 1, "the summary is not in flight")
        try shared.killServer(seenBy: editor)
        guard case .failure(let error)?? = outcomes.wait("summary") else {
            return XCTFail("the request in flight was not answered with an error")
        }
        XCTAssertEqual(error.code, .contentModified)
        XCTAssertTrue(error.message.contains("ask again"), error.message)

        XCTAssertNotNil(try SharedProcess.complete(editor, at: text)["items"], "no completion after the restart")
        XCTAssertEqual(try SharedProcess.status(editor)["pendingRequests"], 0)
        XCTAssertEqual(editor.client.unmatchedResponses, 0, "the request in flight was answered twice")
        XCTAssertTrue(editor.process.isRunning, "the editor's gptls connect exited")
        XCTAssertTrue(editor.standardError.contains("went away"), editor.standardError)
    }

    func testAnInitializeInFlightIsAnsweredByTheNewProcess() throws {
        let editor = try shared.editor("first")
        let late = try shared.connect()
        let pid = try XCTUnwrap(shared.serverPIDs.first)
        kill(pid, SIGKILL)
        try SharedProcess.initialize(late, name: "late")
        SharedProcess.open(late, uri: uri, text: text)
        XCTAssertNotNil(try SharedProcess.complete(late, at: text)["items"])
        XCTAssertNotNil(try SharedProcess.status(editor)["connections"])
        XCTAssertEqual(late.client.unmatchedResponses, 0)
    }

    func testShutdownAfterTheProcessDiedEndsTheEditorCleanly() throws {
        let editor = try shared.editor("leaving")
        _ = try editor.client.request("shutdown", timeout: 30)
        let pid = try XCTUnwrap(shared.serverPIDs.first)
        kill(pid, SIGKILL)
        XCTAssertTrue(SharedProcess.waitUntil(30) { !self.shared.serverPIDs.contains(pid) })
        Thread.sleep(forTimeInterval: 0.3)
        editor.client.notify("exit")
        XCTAssertEqual(SharedProcess.reap(editor), 0)
        XCTAssertTrue(shared.serverPIDs.isEmpty, "a process was started for a session that had ended")
    }

    func testAProcessKilledWhileItStartsIsReplacedWithoutWaitingForTheStartTimeout() throws {
        let editor = try shared.editor("impatient")
        SharedProcess.open(editor, uri: uri, text: text)
        let first = try XCTUnwrap(shared.serverPIDs.first)
        try shared.killServer(seenBy: editor)
        // The next process, killed as soon as it exists: most often before it listens.
        XCTAssertTrue(SharedProcess.waitUntil(30) { self.shared.serverPIDs.contains { $0 != first } })
        shared.serverPIDs.forEach { kill($0, SIGKILL) }
        // As an editor does: a request that meets a restart is answered "ask again", and asked again.
        let started = Date()
        var answer: JSONValue?
        while answer == nil && Date().timeIntervalSince(started) < 30 {
            do {
                answer = try SharedProcess.complete(editor, at: text)
            } catch let error as ResponseError where error.code == .contentModified {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        XCTAssertNotNil(answer?["items"], editor.standardError)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "the relay waited for the start timeout")
    }

    func testAfterFiveRestartsWithinThreeMinutesTheRelayGivesUpSayingWhy() throws {
        let editor = try shared.editor("unlucky")
        for restart in 1...5 {
            try shared.killServer(seenBy: editor)
            XCTAssertTrue(waitForReplay(restart, by: editor), "no session after restart \(restart): \(editor.standardError)")
        }
        let pid = try XCTUnwrap(shared.serverPIDs.first)
        kill(pid, SIGKILL)
        XCTAssertEqual(SharedProcess.reap(editor, seconds: 30), 1)
        XCTAssertTrue(editor.standardError.contains("stopped 5 times within 180 s; giving up; see its log"),
                      editor.standardError)
    }

    func testANewVersionStartsItsOwnProcessAndTheOldOneLeavesWithItsEditors() throws {
        let old = try shared.connect(version: "1.0.0-old")
        try SharedProcess.initialize(old, name: "old editor")
        let new = try shared.connect(version: "1.0.0-new")
        try SharedProcess.initialize(new, name: "new editor")
        let sockets = (try? FileManager.default.contentsOfDirectory(atPath: shared.runtimeDirectory + "/gptls")) ?? []
        XCTAssertEqual(Set(sockets.filter { $0.hasSuffix(".sock") }), ["gptls-1.0.0-old.sock", "gptls-1.0.0-new.sock"])
        // By full path: another test's processes (or a run's left behind) may serve the same versions elsewhere.
        let oldSocket = shared.runtimeDirectory + "/gptls/gptls-1.0.0-old.sock"
        let newSocket = shared.runtimeDirectory + "/gptls/gptls-1.0.0-new.sock"
        let oldPIDs = shared.serverPIDs { $0 == oldSocket }
        XCTAssertEqual(oldPIDs.count, 1)
        XCTAssertEqual(shared.serverPIDs { $0 == newSocket }.count, 1)

        var environment = shared.environment
        environment["XDG_RUNTIME_DIR"] = shared.runtimeDirectory
        environment["GPTLS_TEST_VERSION"] = "1.0.0-new"
        let both = try Binary.run(["status"], environment: environment)
        XCTAssertEqual(both.code, 0, both.stderr)
        let printed = try JSONValue.parse(both.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(printed["version"], "1.0.0-new")
        XCTAssertEqual(printed["others"]?[0]?["version"], "1.0.0-old")

        // The old process still serves its editor, then leaves with it.
        SharedProcess.open(old, uri: uri, text: text)
        XCTAssertNotNil(try SharedProcess.complete(old, at: text)["items"])
        _ = try old.client.request("shutdown", timeout: 30)
        old.client.notify("exit")
        XCTAssertEqual(SharedProcess.reap(old), 0)
        XCTAssertTrue(SharedProcess.waitUntil(20) { self.shared.serverPIDs { $0 == oldSocket }.isEmpty },
                      "the old version's process stayed after its last editor left")
        let after = try Binary.run(["status"], environment: environment)
        let alone = try JSONValue.parse(after.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertNil(alone["others"], after.stdout)
        XCTAssertNotNil(try SharedProcess.status(new)["connections"])
    }

    func testACrashWritesWhatWasInFlightAndABacktraceToTheLog() throws {
        if ProcessInfo.processInfo.environment["GPTLS_TEST_SANITIZER"] == "address" {
            throw XCTSkip("under AddressSanitizer its own handler reports the crash instead of gptls's")
        }
        let editor = try shared.editor("witness")
        let outcomes = Outcomes()
        // Four long summaries: some are surely still running when the report's line is refreshed (every 0.25 s).
        for index in 0..<4 {
            editor.client.send("gptls/summarize", params: ["text": .string(longText)]) { outcomes.set("\(index)", $0) }
        }
        XCTAssertEqual(try SharedProcess.status(editor)["pendingRequests"], 4)
        Thread.sleep(forTimeInterval: 0.4)
        try shared.killServer(SIGSEGV, seenBy: editor)
        let errors = (0..<4).compactMap { index -> ResponseError? in
            guard case .failure(let error)?? = outcomes.wait("\(index)") else { return nil }
            return error
        }
        XCTAssertFalse(errors.isEmpty, "no request was in flight at the crash")
        XCTAssertTrue(errors.allSatisfy { $0.code == .contentModified }, "\(errors)")
        let log = shared.log
        XCTAssertTrue(log.contains("gptls crashed: fatal signal 11 (SIGSEGV)"), log)
        XCTAssertTrue(log.contains("requests in flight: gptls/summarize x"), log)
        let report = try XCTUnwrap(log.range(of: "backtrace:\n").map { log[$0.upperBound...] })
        XCTAssertTrue(report.contains("gptls("), "no frame of gptls in the backtrace: \(report.prefix(2000))")
        XCTAssertTrue(log.contains("end of crash report"), log)
        XCTAssertNotNil(try SharedProcess.status(editor)["connections"], "the editor was not served after the crash")
    }

    func testTheLogIsRotatedBySize() throws {
        let log = shared.directory.appendingPathComponent("rotated.log").path
        let server = try ServerProcess(executable: try Binary.gptls,
                                       arguments: ["serve", "--socket", shared.socket, "--model", Binary.model,
                                                   "--log-file", log, "--log-max-mb", "0.004", "--log-level", "trace"],
                                       captureStandardError: true, environment: shared.environment)
        defer { kill(server.process.processIdentifier, SIGKILL) }
        XCTAssertTrue(SharedProcess.waitUntil(30) { FileManager.default.fileExists(atPath: self.shared.socket) })
        for index in 0..<12 {
            let editor = try shared.editor("editor \(index)")
            XCTAssertNotNil(try SharedProcess.status(editor)["connections"])
            _ = try editor.client.request("shutdown", timeout: 30)
            editor.client.notify("exit")
            _ = SharedProcess.reap(editor)
            Thread.sleep(forTimeInterval: 0.2)
        }
        let size = { (path: String) in ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1 }
        XCTAssertTrue(SharedProcess.waitUntil(5) { size(log + ".1") > 0 }, "the log was not rotated")
        XCTAssertLessThan(size(log), 64 << 10, "the log grew far past its limit")
        XCTAssertLessThan(size(log + ".1"), 64 << 10)
    }
}
