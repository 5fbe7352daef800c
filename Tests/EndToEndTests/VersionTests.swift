import Foundation
import JSON
import JSONRPC
import XCTest

/// `gptls --version` and `initialize`'s `serverInfo.version` are one string: the package version, plus the commit
/// of the checkout the binary was built in.
final class VersionTests: XCTestCase {
    func testVersionIsThePackageVersionAndTheCheckoutsCommitAndServerInfoSaysTheSame() throws {
        let printed = try Binary.run(["--version"])
        XCTAssertEqual(printed.code, 0, printed.stderr)
        let version = printed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(version.hasPrefix("0.1.0"), version)

        let binary = try Binary.gptls.resolvingSymlinksInPath().path
        let inCheckout = binary.hasPrefix(Binary.repository.appendingPathComponent(".build").path)
            && FileManager.default.fileExists(atPath: Binary.repository.appendingPathComponent(".git").path)
        if inCheckout {
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            git.arguments = ["git", "-C", Binary.repository.path, "rev-parse", "--short=12", "HEAD"]
            let out = Pipe()
            git.standardOutput = out
            try git.run()
            let commit = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            git.waitUntilExit()
            XCTAssertEqual(version, "0.1.0+\(commit)")
        }

        let server = try RawServer.serve()
        let request: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "initialize",
                                  "params": ["processId": .null, "capabilities": [:]]]
        server.write(Framing.encode(request.serialize()))
        let reply = try server.readMessage(timeout: 60, place: "initialize")
        XCTAssertEqual(reply["result"]?["serverInfo"], ["name": "gptls", "version": .string(version)])
        server.stop()
    }
}
