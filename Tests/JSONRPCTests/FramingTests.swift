import XCTest
@testable import JSONRPC

final class FramingTests: XCTestCase {
    private enum Event: Equatable {
        case body(String)
        case refused(FramingError)
    }

    /// Runs `nextFrame` until it answers `.incomplete`, dropping what each answer consumed.
    private func drain(_ buffer: inout [UInt8], limit: Int = Framing.defaultMaximumContentLength) -> [Event] {
        var events: [Event] = []
        while true {
            switch Framing.nextFrame(in: buffer[...], maximumContentLength: limit) {
            case .incomplete:
                return events
            case .frame(let body, let consumed):
                events.append(.body(String(decoding: body, as: UTF8.self)))
                buffer.removeFirst(consumed)
            case .invalidHeader(let error, let consumed):
                XCTAssertGreaterThan(consumed, 0, "a refusal must consume bytes, or the stream never moves on")
                events.append(.refused(error))
                buffer.removeFirst(consumed)
            }
        }
    }

    private func events(_ text: String, limit: Int = Framing.defaultMaximumContentLength) -> [Event] {
        var buffer = Array(text.utf8)
        return drain(&buffer, limit: limit)
    }

    func testReadsOneFrame() {
        XCTAssertEqual(events("Content-Length: 2\r\n\r\n{}"), [.body("{}")])
    }

    func testAnswersIncompleteUntilTheWholeBodyIsThere() {
        XCTAssertEqual(Framing.nextFrame(in: []), .incomplete)
        XCTAssertEqual(Framing.nextFrame(in: Array("Content-Length: 2\r\n\r".utf8)[...]), .incomplete)
        XCTAssertEqual(Framing.nextFrame(in: Array("Content-Length: 2\r\n\r\n{".utf8)[...]), .incomplete)
    }

    func testFeedingByteByByteYieldsEveryFrameOnce() {
        let bodies = [#"{"a":1}"#, "[]", #"{"text":"é😀"}"#]
        let stream = bodies.flatMap { Framing.encode(Array($0.utf8)) }
        var buffer: [UInt8] = []
        var seen: [Event] = []
        for byte in stream {
            buffer.append(byte)
            seen += drain(&buffer)
        }
        XCTAssertEqual(seen, bodies.map(Event.body))
        XCTAssertTrue(buffer.isEmpty)
    }

    func testReadsManyFramesFromOneBuffer() {
        let bodies = (0..<100).map { #"{"id":\#($0)}"# }
        var buffer = bodies.flatMap { Framing.encode(Array($0.utf8)) } + Array("Content-Len".utf8)
        XCTAssertEqual(drain(&buffer), bodies.map(Event.body))
        XCTAssertEqual(buffer, Array("Content-Len".utf8), "the start of the next frame stays in the buffer")
    }

    func testReadsHeadersInAnyOrderAndCaseIgnoringUnknownOnes() {
        let text = "X-Custom: yes\r\ncontent-type: application/vscode-jsonrpc; charset=utf-8\r\n"
            + "CONTENT-LENGTH:   3  \r\n\r\n[1]"
            + "Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf8\r\n\r\n{}"
            + "Content-Type: application/json; Charset = \"UTF-8\"\r\nContent-Length: 1\r\n\r\n7"
        XCTAssertEqual(events(text), [.body("[1]"), .body("{}"), .body("7")])
    }

    func testWorksOnSlicesThatDoNotStartAtZero() {
        let bytes = Array("xxContent-Length: 2\r\n\r\n{}".utf8)
        guard case .frame(let body, let consumed) = Framing.nextFrame(in: bytes[2...]) else {
            return XCTFail("expected a frame")
        }
        XCTAssertEqual(Array(body), Array("{}".utf8))
        XCTAssertEqual(consumed, bytes.count - 2)
    }

    func testRefusesEveryBadContentLength() {
        let cases: [(String, FramingError)] = [
            ("Content-Type: application/vscode-jsonrpc\r\n\r\n", .missingContentLength),
            ("Content-Length: 0\r\n\r\n", .zeroContentLength),
            ("Content-Length: abc\r\n\r\n", .contentLengthNotANumber("abc")),
            ("Content-Length: -5\r\n\r\n", .contentLengthNotANumber("-5")),
            ("Content-Length: +5\r\n\r\n", .contentLengthNotANumber("+5")),
            ("Content-Length: 5 5\r\n\r\n", .contentLengthNotANumber("5 5")),
            ("Content-Length: \r\n\r\n", .contentLengthNotANumber("")),
            ("Content-Length: 0x10\r\n\r\n", .contentLengthNotANumber("0x10")),
            ("Content-Length: 67108865\r\n\r\n", .contentLengthTooLarge(67_108_865, limit: 64 << 20)),
            ("Content-Length: 99999999999999999999999\r\n\r\n", .contentLengthTooLarge(Int.max, limit: 64 << 20)),
            ("Content-Length: 2\r\nContent-Length: 3\r\n\r\n", .conflictingContentLengths(2, 3)),
            ("Content-Length: 2\r\nContent-Type: text/plain; charset=latin1\r\n\r\n", .unsupportedCharset("latin1")),
            ("Content-Length 2\r\n\r\n", .malformedHeaderLine("Content-Length 2")),
        ]
        for (header, expected) in cases {
            // The body has not arrived: the refusal comes from the header alone, before any body is buffered.
            XCTAssertEqual(events(header), [.refused(expected)], header.debugDescription)
        }
    }

    func testTheCapIsConfigurable() {
        XCTAssertEqual(events("Content-Length: 11\r\n\r\n", limit: 10), [.refused(.contentLengthTooLarge(11, limit: 10))])
        XCTAssertEqual(events("Content-Length: 10\r\n\r\n0123456789", limit: 10), [.body("0123456789")])
    }

    func testResynchronisesAfterABadHeaderFollowedByItsBody() {
        let text = "Content-Length: abc\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"lost\"}"
            + "Content-Length: 2\r\n\r\n{}"
        XCTAssertEqual(events(text), [
            .refused(.contentLengthNotANumber("abc")),
            .refused(.garbageBeforeHeader(byteCount: 33)),
            .body("{}"),
        ])
    }

    func testResynchronisesAfterAnOversizedFrameWhoseBodyEndsInALineBreak() {
        let text = "Content-Length: 100000000\r\n\r\n{\"big\": true}\r\nContent-Length: 2\r\n\r\n{}"
        XCTAssertEqual(events(text), [
            .refused(.contentLengthTooLarge(100_000_000, limit: 64 << 20)),
            .refused(.garbageBeforeHeader(byteCount: 15)),
            .body("{}"),
        ])
    }

    func testDiscardsALongRunWithoutHeaderEndAndFindsTheNextFrame() {
        var buffer = [UInt8](repeating: UInt8(ascii: "x"), count: Framing.maximumHeaderLength + 100)
        var seen = drain(&buffer)
        XCTAssertEqual(seen, [.refused(.headerTooLong(limit: Framing.maximumHeaderLength))])
        XCTAssertLessThan(buffer.count, 20, "the garbage is dropped, not accumulated")
        buffer += Framing.encode(Array("[2]".utf8))
        seen = drain(&buffer)
        XCTAssertEqual(seen, [.refused(.garbageBeforeHeader(byteCount: 15)), .body("[2]")])
    }

    func testEncodeWritesTheByteCountNotTheCharacterCount() {
        XCTAssertEqual(Framing.encode(Array("é".utf8)), Array("Content-Length: 2\r\n\r\né".utf8))
    }
}
