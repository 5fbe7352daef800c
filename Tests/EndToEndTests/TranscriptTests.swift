import Foundation
import JSON
import JSONRPC
import XCTest

/// Replays protocol/transcripts/*.jsonl against the built binary over real pipes.
///
/// Each line is one step: `{"send": message}` writes a frame, `{"sendRaw": "text"}` writes a frame with that exact
/// body, `{"expect": message}` reads the next frame and matches it, `{"exit": code}` closes and checks the exit code.
/// In expectations, the strings "$any", "$string", "$number", "$array" and "$object" match any value of that kind,
/// and an object with `"$more": true` also matches objects with more members.
final class TranscriptTests: XCTestCase {
    func testLifecycleTranscript() throws { try replay("lifecycle") }
    func testErrorsTranscript() throws { try replay("errors") }
    func testTasksTranscript() throws { try replay("tasks") }

    private func replay(_ name: String) throws {
        let url = Binary.repository.appendingPathComponent("protocol/transcripts/\(name).jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let process = try RawServer.serve()
        defer { process.stop() }
        for (number, line) in lines.enumerated() {
            let step = try JSONValue.parse(String(line))
            let place = "\(name).jsonl:\(number + 1)"
            if let message = step["send"] {
                process.write(Framing.encode(message.serialize()))
            } else if let raw = step["sendRaw"]?.string {
                process.write(Framing.encode(Array(raw.utf8)))
            } else if let expected = step["expect"] {
                var received = try process.readMessage(timeout: 120, place: place)
                // Notifications the server sends on its own (window/showMessage, $/progress) may come in between.
                while expected["method"] == nil, received["method"] != nil, received["id"] == nil {
                    received = try process.readMessage(timeout: 120, place: place)
                }
                XCTAssertTrue(Transcript.matches(received, expected),
                              "\(place): expected \(expected.jsonText)\n  received \(received.jsonText)")
            } else if let code = step["exit"]?.int {
                XCTAssertEqual(process.waitForExit(), Int32(code), "\(place): exit code")
            }
        }
    }
}

/// Matching with placeholders.
enum Transcript {
    static func matches(_ value: JSONValue, _ pattern: JSONValue) -> Bool {
        switch pattern {
        case .string("$any"): return true
        case .string("$string"): return value.string != nil
        case .string("$number"): return value.double != nil
        case .string("$array"): return value.array != nil
        case .string("$object"): return value.object != nil
        case .object(var expected):
            let open = expected["$more"] == true
            expected["$more"] = nil
            guard let actual = value.object else { return false }
            let keysMatch = open ? Set(expected.keys).isSubset(of: actual.keys) : Set(actual.keys) == Set(expected.keys)
            return keysMatch && expected.members.allSatisfy { key, sub in matches(actual[key]!, sub) }
        case .array(let expected):
            guard let actual = value.array, actual.count == expected.count else { return false }
            return zip(actual, expected).allSatisfy { matches($0, $1) }
        default:
            return value == pattern
        }
    }
}

/// The binary with raw pipes, for tests that write exact bytes.
final class RawServer {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer: [UInt8] = []

    init(arguments: [String]) throws {
        process.executableURL = try Binary.gptls
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
    }

    func write(_ bytes: [UInt8]) {
        input.fileHandleForWriting.write(Data(bytes))
    }

    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// The next frame's message, waiting up to `timeout` seconds.
    func readMessage(timeout: Double, place: String) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            switch Framing.nextFrame(in: buffer[...]) {
            case .frame(let body, let consumed):
                let value = try JSONValue.parse(body)
                buffer.removeFirst(consumed)
                return value
            case .invalidHeader(let error, _):
                throw HarnessError("\(place): the server wrote a bad frame: \(error)")
            case .incomplete:
                guard Date() < deadline else { throw HarnessError("\(place): no message within \(timeout) s") }
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { throw HarnessError("\(place): the server closed its output") }
                buffer.append(contentsOf: data)
            }
        }
    }

    @discardableResult
    func waitForExit() -> Int32 {
        closeInput()
        process.waitUntilExit()
        return process.terminationStatus
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

extension RawServer {
    /// `gptls serve` on the test model.
    static func serve(_ extra: [String] = []) throws -> RawServer {
        try RawServer(arguments: ["serve", "--model", Binary.model, "--log-level", "warning"] + extra)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
