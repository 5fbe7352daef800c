import Foundation
import JSON
import JSONRPCTestSupport
import XCTest
@testable import JSONRPC

#if canImport(Glibc)
import Glibc
#endif

final class ConnectionTests: XCTestCase {
    /// A server-side connection: the test writes to `toServer` and reads the server's frames from `fromServer`.
    private struct Harness {
        let toServer = TestPipe()
        let fromServer = TestPipe()
        let log = CollectingLogHandler()
        let inbox = Inbox()
        let connection: Connection
        let replies: FrameReader

        init(maximumContentLength: Int = Framing.defaultMaximumContentLength) {
            connection = Connection(input: toServer.readEnd, output: fromServer.writeEnd,
                                    maximumContentLength: maximumContentLength, logger: log.logger)
            replies = FrameReader(fd: fromServer.readEnd)
            let inbox = inbox
            connection.start(onMessage: { inbox.add($0) }, onClose: { inbox.closed.signal() })
        }

        /// Ends the input and waits for the reader to see it.
        func finish() {
            toServer.closeWriteEnd()
            XCTAssertEqual(inbox.closed.wait(timeout: .now() + 30), .success, "onClose was not called")
        }
    }

    func testDeliversMessagesInOrderAndCallsOnCloseAtEndOfInput() {
        let harness = Harness()
        harness.toServer.write(Message.request(id: 1, method: "a", params: nil).framed()
            + Message.notification(method: "b", params: ["x": 1]).framed())
        harness.inbox.wait(for: 2)
        harness.finish()
        XCTAssertEqual(harness.inbox.messages, [.request(id: 1, method: "a", params: nil),
                                                .notification(method: "b", params: ["x": 1])])
    }

    func testAnswersInvalidJSONWithParseErrorAndANullID() {
        let harness = Harness()
        harness.toServer.write(Framing.encode(Array(#"{"jsonrpc":"2.0","id":1,"#.utf8)))
        harness.toServer.write(Framing.encode(Array(#"{"jsonrpc":"2.0","id":2,"method":""#.utf8) + [0xFF, 0x22, 0x7D]))
        for _ in 0..<2 {
            let reply = harness.replies.next()
            XCTAssertEqual(reply?["id"], .null)
            XCTAssertEqual(reply?["error"]?["code"], -32700)
            XCTAssertEqual(reply?["jsonrpc"], "2.0")
        }
        harness.finish()
        XCTAssertTrue(harness.inbox.messages.isEmpty, "invalid messages never reach the handler")
    }

    func testAnswersInvalidRequestsWithTheirIDAndIgnoresBrokenResponses() {
        let harness = Harness()
        harness.toServer.write(Framing.encode(Array(#"{"jsonrpc":"2.0","id":5,"result":1,"error":{}}"#.utf8)))
        harness.toServer.write(Framing.encode(Array(#"{"jsonrpc":"1.0","id":7,"method":"x"}"#.utf8)))
        harness.toServer.write(Framing.encode(Array(#"[{"jsonrpc":"2.0","id":8,"method":"x"}]"#.utf8)))
        let first = harness.replies.next()
        XCTAssertEqual(first?["id"], 7, "the broken response got no reply, so the first reply is for id 7")
        XCTAssertEqual(first?["error"]?["code"], -32600)
        let second = harness.replies.next()
        XCTAssertEqual(second?["id"], .null)
        XCTAssertEqual(second?["error"]?["code"], -32600)
        harness.finish()
        XCTAssertTrue(harness.log.messages.contains { $0.contains("not answered") }, "\(harness.log.messages)")
    }

    func testLogsAMalformedFrameAndStillProcessesTheNextOne() {
        let harness = Harness(maximumContentLength: 1000)
        harness.toServer.write("Content-Length: nope\r\n\r\n" + #"{"jsonrpc":"2.0","method":"lost"}"#)
        harness.toServer.write("Content-Length: 5000\r\n\r\n" + String(repeating: "z", count: 5000))
        harness.toServer.write(Message.notification(method: "kept", params: nil).framed())
        harness.inbox.wait(for: 1)
        harness.finish()
        XCTAssertEqual(harness.inbox.messages, [.notification(method: "kept", params: nil)])
        let log = harness.log.messages
        XCTAssertTrue(log.contains { $0.hasPrefix("error") && $0.contains("\"nope\"") }, "\(log)")
        XCTAssertTrue(log.contains { $0.contains("Content-Length 5000, above the limit of 1000") }, "\(log)")
        XCTAssertEqual(log.filter { $0.hasPrefix("error") }.count, 2, "the skipped bodies are logged at debug level: \(log)")
        XCTAssertTrue(log.contains { $0.hasPrefix("debug") && $0.contains("skipped") }, "\(log)")
    }

    func testAnswersAFrameAboveTheSizeLimitWithANullIDErrorNamingTheLimitAndKeepsReading() {
        let harness = Harness(maximumContentLength: 1000)
        harness.toServer.write("Content-Length: 5000\r\n\r\n" + String(repeating: "z", count: 5000))
        harness.toServer.write(Message.notification(method: "kept", params: nil).framed())
        let reply = harness.replies.next()
        XCTAssertEqual(reply?["id"], .null)
        XCTAssertEqual(reply?["error"]?["code"], -32600)
        XCTAssertEqual(reply?["error"]?["data"], ["reason": "messageTooLarge", "bytes": 5000, "limit": 1000])
        XCTAssertTrue(reply?["error"]?["message"]?.string?.contains("above the limit of 1000 bytes") == true,
                      "\(String(describing: reply))")
        harness.inbox.wait(for: 1)
        harness.finish()
        XCTAssertEqual(harness.inbox.messages, [.notification(method: "kept", params: nil)])
    }

    /// The reader thread decodes (and later frees) the deepest nesting jansson accepts without running out of
    /// stack, and answers deeper nesting with -32700.
    func testHandlesTheDeepestNestingOnTheReaderThread() {
        let harness = Harness()
        let depth = JSONValue.maximumDepth - 1  // the message object itself is one level
        let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        harness.toServer.write(Framing.encode(Array(#"{"jsonrpc":"2.0","method":"deep","params":\#(deep)}"#.utf8)))
        harness.inbox.wait(for: 1)
        let tooDeep = String(repeating: "[", count: 100_000)
        harness.toServer.write(Framing.encode(Array(#"{"jsonrpc":"2.0","method":"deep","params":\#(tooDeep)}"#.utf8)))
        XCTAssertEqual(harness.replies.next()?["error"]?["code"], -32700)
        harness.finish()
        XCTAssertEqual(harness.inbox.messages.first?.method, "deep")
    }

    func testReassemblesFramesSplitAcrossWrites() {
        let harness = Harness()
        let frame = Message.request(id: "split", method: "m", params: ["text": "é😀"]).framed()
        for byte in frame {
            harness.toServer.write([byte])
        }
        harness.inbox.wait(for: 1)
        harness.finish()
        XCTAssertEqual(harness.inbox.messages, [.request(id: "split", method: "m", params: ["text": "é😀"])])
    }

    /// Many threads send large replies at once (each larger than a pipe's buffer, so writes are partial): every
    /// frame arrives whole and parses, none interleaved with another.
    func testConcurrentSendsNeverInterleave() {
        let harness = Harness()
        let threads = 8, perThread = 25
        let padding = String(repeating: "p", count: 100_000)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                harness.connection.send(.success(id: .int(Int64(thread * 1000 + index)),
                                                 result: ["thread": .int(thread), "padding": .string(padding)]))
            }
        }
        var ids = Set<Int>()
        for _ in 0..<(threads * perThread) {
            guard let reply = harness.replies.next() else { return XCTFail("output ended early") }
            XCTAssertEqual(reply["result"]?["padding"]?.string?.count, padding.count)
            if let id = reply["id"]?.int { ids.insert(id) }
        }
        XCTAssertEqual(ids.count, threads * perThread)
        harness.finish()
    }

    func testSendingAfterThePeerHasGoneIsLoggedNotFatal() {
        let harness = Harness()  // starting a connection ignores SIGPIPE, or this test would be killed by it
        harness.fromServer.closeReadEnd()
        harness.connection.send(.notification(method: "into the void", params: nil))
        harness.connection.send(.notification(method: "dropped", params: nil))
        harness.connection.flush()
        harness.finish()
        XCTAssertEqual(harness.log.messages.filter { $0.contains("writing to the JSON-RPC output failed") }.count, 1)
    }

    func testTakingOverStandardOutputSendsStrayWritesToStandardError() throws {
        let fakeStdout = TestPipe(), fakeStderr = TestPipe()
        let protocolOutput = Connection.takeOverStandardOutput(standardOutput: fakeStdout.writeEnd,
                                                              standardError: fakeStderr.writeEnd)
        XCTAssertNotEqual(fcntl(protocolOutput, F_GETFD) & FD_CLOEXEC, 0, "children must not inherit the protocol output")
        fakeStdout.write("stray print\n")  // what print() would do once fd 1 is taken over
        _ = Array("frame".utf8).withUnsafeBytes { write(protocolOutput, $0.baseAddress, $0.count) }
        fakeStdout.closeWriteEnd()  // now refers to stderr's pipe: closes that duplicate
        fakeStderr.closeWriteEnd()
        close(protocolOutput)
        XCTAssertEqual(readAll(fakeStderr.readEnd), "stray print\n")
        XCTAssertEqual(readAll(fakeStdout.readEnd), "frame")
    }

    private func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
