import Foundation
import XCTest

/// scripts/install and scripts/uninstall, run from a fresh clone of this repository into a temporary prefix: the
/// installed binary finds its model from any directory, knows its version, its completions load, and uninstalling
/// leaves the prefix as it was.
///
/// The clone installs the binary this suite already built (`--from-build`): a release build of a fresh clone takes
/// minutes on a small machine, so `.ci/run` does that full install once instead.
final class InstallTests: XCTestCase {
    private func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-install-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Runs `command` through bash in `directory`: exit code, stdout and stderr.
    private func shell(_ command: String, in directory: URL,
                       environment: [String: String] = [:]) throws -> (code: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The commands here write little to stderr, so reading stdout to its end first cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    private func files(under directory: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        return (enumerator?.allObjects as? [String] ?? []).sorted()
    }

    func testAFreshCloneInstallsAWorkingGptlsAndUninstallsLeavingNothingBehind() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Binary.repository.appendingPathComponent(".git").path),
                          "installing from a fresh clone needs the repository's git history")
        let bundled = Binary.repository.appendingPathComponent("models/default/manifest.json")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: bundled.path), "the demo needs the bundled model")
        let work = try temporaryDirectory("work")
        let clone = work.appendingPathComponent("clone")
        let prefix = work.appendingPathComponent("prefix")
        let elsewhere = work.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: prefix, withIntermediateDirectories: true)

        let cloned = try shell("git clone --quiet \"\(Binary.repository.path)\" clone", in: work)
        XCTAssertEqual(cloned.code, 0, cloned.stderr)
        let buildDirectory = try Binary.gptls.deletingLastPathComponent().path
        let installed = try shell("clone/scripts/install --prefix prefix --from-build \"\(buildDirectory)\"", in: work)
        XCTAssertEqual(installed.code, 0, installed.stderr)
        XCTAssertTrue(installed.stdout.contains("Neovim:"), installed.stdout)
        XCTAssertTrue(installed.stdout.contains(prefix.appendingPathComponent("share/gptls/editor-clients/emacs").path),
                      installed.stdout)
        let listed = files(under: prefix)
        for expected in ["bin/gptls", "share/gptls/models/default/manifest.json", "share/gptls/version",
                         "share/gptls/editor-clients/neovim/lua/gptls/init.lua", "share/gptls/editor-clients/emacs/gptls.el",
                         "share/gptls/editor-clients/vscode/extension.js", "share/man/man1/gptls.1",
                         "share/bash-completion/completions/gptls", "share/zsh/site-functions/_gptls",
                         "share/fish/vendor_completions.d/gptls.fish", "share/gptls/install-manifest.txt"] {
            XCTAssertTrue(listed.contains(expected), "\(expected) was not installed: \(listed)")
        }
        XCTAssertFalse(listed.contains { $0.hasPrefix("share/gptls/editor-clients/neovim/test") }, "tests were installed")

        // The installed binary, run from a directory that has nothing of gptls, with no model environment.
        let gptls = prefix.appendingPathComponent("bin/gptls").path
        let noModelEnvironment = ["GPTLS_MODEL_DIR": "", "XDG_DATA_HOME": elsewhere.path, "XDG_DATA_DIRS": elsewhere.path]
        let version = try shell("\"\(gptls)\" --version", in: elsewhere)
        XCTAssertEqual(version.code, 0, version.stderr)
        let commit = try shell("git rev-parse --short=12 HEAD", in: clone).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0+\(commit)")
        let demo = try shell("\"\(gptls)\" demo", in: elsewhere, environment: noModelEnvironment)
        XCTAssertEqual(demo.code, 0, demo.stderr)
        XCTAssertTrue(demo.stdout.contains("ghost text:"), demo.stdout)

        let completion = try shell("source prefix/share/bash-completion/completions/gptls && complete -p gptls", in: work)
        XCTAssertEqual(completion.code, 0, completion.stderr)
        XCTAssertTrue(completion.stdout.contains("gptls"), completion.stdout)

        // Running it again upgrades in place: the same files, none twice, and a file that an earlier version
        // installed and this one no longer ships is removed.
        let stale = prefix.appendingPathComponent("share/gptls/editor-clients/retired.el")
        try Data("old".utf8).write(to: stale)
        let manifest = prefix.appendingPathComponent("share/gptls/install-manifest.txt")
        let handle = try FileHandle(forWritingTo: manifest)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("file share/gptls/editor-clients/retired.el\n".utf8))
        try handle.close()
        let again = try shell("clone/scripts/install --prefix prefix --from-build \"\(buildDirectory)\"", in: work)
        XCTAssertEqual(again.code, 0, again.stderr)
        XCTAssertEqual(files(under: prefix), listed)

        let removed = try shell("clone/scripts/uninstall --prefix prefix", in: work)
        XCTAssertEqual(removed.code, 0, removed.stderr)
        XCTAssertEqual(files(under: prefix), [], "left behind after uninstall")
        let twice = try shell("clone/scripts/uninstall --prefix prefix", in: work)
        XCTAssertNotEqual(twice.code, 0)
        XCTAssertTrue(twice.stderr.contains("nothing to remove"), twice.stderr)
    }

    func testTheInstalledBinaryWithoutItsModelSaysWhereItLookedAndHowToFixIt() throws {
        let prefix = try temporaryDirectory("lonely")
        let bin = prefix.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try Binary.gptls, to: bin.appendingPathComponent("gptls"))
        let result = try shell("bin/gptls demo 2>&1", in: prefix,
                               environment: ["GPTLS_MODEL_DIR": "", "XDG_DATA_HOME": prefix.path,
                                             "XDG_DATA_DIRS": prefix.path])
        XCTAssertNotEqual(result.code, 0)
        XCTAssertTrue(result.stdout.contains(prefix.appendingPathComponent("share/gptls/models/default").path),
                      result.stdout)
        XCTAssertTrue(result.stdout.contains("scripts/install"), result.stdout)
    }
}
