import JSON
import JSONRPC
import Protocol
import XCTest

/// What the server sends on its own: `window/showMessage` and `$/progress`.
final class ServerMessageTests: XCTestCase {
    func testShowMessageIsANotificationWithTypeAndText() {
        let message = Message(ShowMessageNotification(type: .info, message: "Classified as python (75%)"))
        XCTAssertEqual(message, .notification(method: "window/showMessage",
                                              params: ["type": 3, "message": "Classified as python (75%)"]))
        XCTAssertEqual(ShowMessageNotification(type: .error, message: "x").params["type"], 1)
    }

    func testProgressBeginsReportsPartsAndEnds() throws {
        let token = try XCTUnwrap(ProgressToken(json: "summary-1"))
        func params(_ value: WorkDoneProgress) -> String {
            Message(ProgressNotification(token: token, value: value)).json.jsonText
        }
        XCTAssertEqual(params(.begin(title: "Summarizing", percentage: 0)),
                       #"{"jsonrpc":"2.0","method":"$/progress","params":{"token":"summary-1","#
                       + #""value":{"kind":"begin","title":"Summarizing","percentage":0}}}"#)
        XCTAssertEqual(params(.part(2, of: 5)),
                       #"{"jsonrpc":"2.0","method":"$/progress","params":{"token":"summary-1","#
                       + #""value":{"kind":"report","message":"part 2 of 5","percentage":40}}}"#)
        XCTAssertEqual(params(.end),
                       #"{"jsonrpc":"2.0","method":"$/progress","params":{"token":"summary-1","value":{"kind":"end"}}}"#)
    }

    func testAReportOfNoPartsIsComplete() {
        XCTAssertEqual(WorkDoneProgress.part(0, of: 0), .report(message: "part 0 of 0", percentage: 100))
        XCTAssertEqual(WorkDoneProgress.part(1, of: 3), .report(message: "part 1 of 3", percentage: 33))
    }

    func testATokenIsEchoedExactlyAsTheClientSentIt() throws {
        XCTAssertEqual(try XCTUnwrap(ProgressToken(json: 2.0)).json.jsonText, "2.0")
        XCTAssertEqual(try XCTUnwrap(ProgressToken(json: 12)).json.jsonText, "12")
        XCTAssertNil(ProgressToken(json: 0.5))
    }
}
