import Foundation
import LanguageServer

/// The version `gptls --version` prints and `initialize` reports as `serverInfo.version`: the package version, plus
/// the commit the binary was built from where that is known (`0.1.0+1a2b3c4d5e6f`, semver build metadata).
///
/// SwiftPM has no build-time variables without a plugin, so the commit is found at run time instead, in one of two
/// places: an installed binary (`<prefix>/bin/gptls`) reads `<prefix>/share/gptls/version`, which scripts/install
/// writes; a binary inside a checkout (`<checkout>/.build/...`) asks git for the checkout's HEAD. Anywhere else (a
/// copied binary, a tarball without git) it is the package version alone.
///
/// For tests only, `GPTLS_TEST_VERSION` replaces the whole string, so that one binary can play two versions (an
/// upgrade while a shared process runs). Nothing else should set it.
enum BuildVersion {
    static let current: String = testOverride ?? commit().map { "\(Server.version)+\($0)" } ?? Server.version

    private static var testOverride: String? {
        ProcessInfo.processInfo.environment["GPTLS_TEST_VERSION"].flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func commit() -> String? {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let installed = binary.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/gptls/version")
        if let text = try? String(contentsOf: installed, encoding: .utf8) {
            let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !commit.isEmpty { return commit }
        }
        guard let checkout = checkout(containing: binary) else { return nil }
        return git(["-C", checkout.path, "rev-parse", "--short=12", "HEAD"])
    }

    /// The directory above the build folder (`.build`, `.build-*`, `.build_*`) that holds `binary`, if it has a
    /// `.git` (a directory, or a file in a worktree).
    private static func checkout(containing binary: URL) -> URL? {
        var directory = binary.deletingLastPathComponent()
        while directory.path != "/" {
            let name = directory.lastPathComponent
            // SwiftPM's build folder, or a second one named by --scratch-path (.build-asan, .build_release).
            if name == ".build" || name.hasPrefix(".build-") || name.hasPrefix(".build_") {
                let checkout = directory.deletingLastPathComponent()
                let hasGit = FileManager.default.fileExists(atPath: checkout.appendingPathComponent(".git").path)
                return hasGit ? checkout : nil
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// git's trimmed standard output, or nil when git is missing or fails.
    private static func git(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
