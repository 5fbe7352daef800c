import XCTest
@testable import JSON

final class JSONModuleTests: XCTestCase {
    func testModuleBuilds() throws {
        _ = JSONModule.self
    }
}
