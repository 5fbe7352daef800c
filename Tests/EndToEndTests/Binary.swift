import Foundation
import JSON
import JSONRPC
import ServerClient
import XCTest

/// Where the built `gptls` and `gptls-tools` binaries and the repository's files are.
enum Binary {
    /// The repository root (this file is Tests/EndToEndTests/Binary.swift).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The built `gptls`: `GPTLS_BIN`, else the debug build in the checkout (scripts/test builds it first).
    static var gptls: URL {
        get throws {
            let path = ProcessInfo.processInfo.environment["GPTLS_BIN"]
                ?? repository.appendingPathComponent(".build/debug/gptls").path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw HarnessError("\(path) is not an executable; run `swift build` first or set GPTLS_BIN")
            }
            return URL(fileURLWithPath: path)
        }
    }

    /// The built `gptls-tools`: the one beside `gptls`, where `swift build` puts it.
    static var tools: URL {
        get throws {
            let url = try gptls.deletingLastPathComponent().appendingPathComponent("gptls-tools")
            guard FileManager.default.isExecutableFile(atPath: url.path) else {
                throw HarnessError("\(url.path) is not an executable; run `swift build` first")
            }
            return url
        }
    }

    /// The model the end-to-end tests serve: `GPTLS_TEST_MODEL`, else the bundled model, else (in a checkout
    /// without one) a tiny random-weight model written by `gptls-tools random-model`.
    static let model: String = {
        if let explicit = ProcessInfo.processInfo.environment["GPTLS_TEST_MODEL"] { return explicit }
        let bundled = repository.appendingPathComponent("models/default")
        if FileManager.default.fileExists(atPath: bundled.appendingPathComponent("manifest.json").path) {
            return bundled.path
        }
        let random = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-e2e-\(getpid())")
        let process = Process()
        process.executableURL = try? tools
        process.arguments = ["random-model", random.path, "--seed", "1"]
        try? process.run()
        process.waitUntilExit()
        return random.path
    }()

    /// Starts `gptls serve` on the test model.
    static func serve(_ extra: [String] = []) throws -> ServerProcess {
        try ServerProcess(executable: try gptls, arguments: ["serve", "--model", model, "--log-level", "warning"] + extra,
                          captureStandardError: true)
    }

    /// Runs `gptls` (or `executable`) with `arguments` to its end: exit code, stdout and stderr.
    static func run(_ arguments: [String], input: String? = nil, executable: URL? = nil,
                    environment: [String: String]? = nil) throws -> (code: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try executable ?? gptls
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
