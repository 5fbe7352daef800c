import Foundation
import JSON
import JSONRPC
import XCTest

/// Where the built `gptls` binary and the repository's files are.
enum Binary {
    /// The repository root (this file is Tests/EndToEndTests/Binary.swift).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `gptls` built next to the test bundle (`swift build` builds it; scripts/test runs that first).
    static var gptls: URL {
        get throws {
            var directory = Bundle(for: Marker.self).bundleURL.deletingLastPathComponent()
            for _ in 0..<3 {
                let candidate = directory.appendingPathComponent("gptls")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
            throw XCTSkip("the gptls binary is not built; run `swift build` first")
        }
    }

    /// The model the end-to-end tests serve: `GPTLS_TEST_MODEL`, else the bundled model.
    static var model: String {
        ProcessInfo.processInfo.environment["GPTLS_TEST_MODEL"]
            ?? repository.appendingPathComponent("models/default").path
    }

    /// Starts `gptls serve` on the test model.
    static func serve(_ extra: [String] = []) throws -> ServerProcess {
        try ServerProcess(executable: try gptls, arguments: ["serve", "--model", model, "--log-level", "warning"] + extra,
                          captureStandardError: true)
    }

    private final class Marker {}
}
