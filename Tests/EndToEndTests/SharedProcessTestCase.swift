import XCTest

/// A test case with its own shared process directory (`shared`), ended after each test, and the sample document the
/// shared-process tests type into.
class SharedProcessTestCase: XCTestCase {
    var shared: SharedProcess!
    let uri = SharedProcess.sampleURI
    let text = SharedProcess.sampleText
    let longText = SharedProcess.longText

    override func setUpWithError() throws {
        shared = try SharedProcess()
    }

    override func tearDown() {
        shared?.tearDown()
    }
}
