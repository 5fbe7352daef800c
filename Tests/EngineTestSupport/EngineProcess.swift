import Foundation
#if canImport(FoundationNetworking)
// For `Data(contentsOf:)` on an http URL (the readiness probe below): Foundation reads those through
// FoundationNetworking only when the process links it, and gptls's own modules no longer do.
import FoundationNetworking
#endif
import XCTest

/// A serving engine's OpenAI-compatible server, started on loopback for a test and stopped after it: llama-cpp-python's
/// server, or llama.cpp's own llama-server (in the prebuilt `xllamacpp` package).
///
/// The Python comes from `GPTLS_ENGINE_PYTHON`, else the repository's `.venv-engine` (scripts/setup/engine makes
/// it); a test skips, saying how to install the engine, when neither has the engine's package.
public final class EngineProcess {
    public enum Kind: String, Sendable {
        case llamaCppPython = "llama_cpp.server"
        case llamaServer = "xllamacpp"
    }

    public let process = Process()
    public let url: String
    public let model: String
    private let log: URL

    public static func python(for kind: Kind = .llamaCppPython) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [ProcessInfo.processInfo.environment["GPTLS_ENGINE_PYTHON"],
                          root.appendingPathComponent(".venv-engine/bin/python").path].compactMap { $0 }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: candidate)
            probe.arguments = ["-c", "import \(kind.rawValue)"]
            probe.standardError = FileHandle.nullDevice
            try probe.run()
            probe.waitUntilExit()
            if probe.terminationStatus == 0 { return candidate }
        }
        throw XCTSkip("\(kind.rawValue) is not installed: run scripts/setup/engine (or set GPTLS_ENGINE_PYTHON to a "
            + "Python that has llama-cpp-python[server] and xllamacpp) to run the tests against a real engine")
    }

    /// Starts the server on `gguf` and waits until it lists its model (at most `timeout` seconds). `batch` sets
    /// llama-server's batch size (its default is 2048).
    public init(gguf: URL, contextLength: Int, kind: Kind = .llamaCppPython, model: String = "exported",
                batch: Int? = nil, timeout: Double = 120) throws {
        let python = try Self.python(for: kind)
        let port = try Self.freePort()
        url = "http://127.0.0.1:\(port)/v1"
        self.model = model
        log = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-engine-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: python)
        switch kind {
        case .llamaCppPython:
            process.arguments = ["-m", "llama_cpp.server", "--model", gguf.path, "--model_alias", model,
                                 "--host", "127.0.0.1", "--port", String(port), "--n_ctx", String(contextLength),
                                 "--n_threads", "2", "--n_batch", String(contextLength),
                                 // By default a new request cuts the streaming one short; gptls decides that itself.
                                 "--interrupt_requests", "False"]
        case .llamaServer:
            // xllamacpp runs llama-server in the Python process; it serves until the process ends.
            process.arguments = ["-c", """
                import sys, threading, xllamacpp
                p = xllamacpp.CommonParams()
                p.model.path = sys.argv[1]; p.n_ctx = int(sys.argv[2]); p.port = int(sys.argv[3])
                p.cpuparams.n_threads = 2
                if len(sys.argv) > 4: p.n_batch = int(sys.argv[4])
                server = xllamacpp.Server(p)
                threading.Event().wait()
                """, gguf.path, String(contextLength), String(port)] + (batch.map { [String($0)] } ?? [])
        }
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning {
                throw EngineError("llama-cpp-python's server exited: \(logTail())")
            }
            if let data = try? Data(contentsOf: URL(string: "\(url)/models")!),
               String(decoding: data, as: UTF8.self).contains(kind == .llamaServer ? "models" : model) { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        stop()
        throw EngineError("llama-cpp-python's server did not answer within \(Int(timeout)) s: \(logTail())")
    }

    public func logTail() -> String {
        String((try? String(contentsOf: log, encoding: .utf8))?.suffix(2000) ?? "")
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: log)
    }

    /// A loopback port nothing listens on now.
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard ok else { throw EngineError("no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct EngineError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
