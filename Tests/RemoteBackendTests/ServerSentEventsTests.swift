import XCTest
@testable import RemoteBackend

/// The event-stream parser returns each event's data once it is complete, however the bytes are split.
final class ServerSentEventsTests: XCTestCase {
    func testEventsSplitAnywhereAreReturnedWhole() {
        let stream = "data: {\"a\":1}\n\n: comment\ndata: x\r\ndata: y\r\n\r\nevent: e\ndata: [DONE]\n\n"
        let expected = ["{\"a\":1}", "x\ny", "[DONE]"]
        for size in [1, 2, 3, 7, stream.utf8.count] {
            var parser = ServerSentEvents()
            var events: [String] = []
            let bytes = Array(stream.utf8)
            for start in stride(from: 0, to: bytes.count, by: size) {
                events += parser.feed(bytes[start..<min(bytes.count, start + size)])
            }
            XCTAssertEqual(events, expected, "pieces of \(size) bytes")
        }
    }

    func testAnUnfinishedEventIsNotReturned() {
        var parser = ServerSentEvents()
        XCTAssertEqual(parser.feed(Array("data: partial\n".utf8)), [])
    }
}
