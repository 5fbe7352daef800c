import XCTest
@testable import GPT

final class GPTModuleTests: XCTestCase {
    func testModuleBuilds() throws {
        _ = GPTModule.self
    }
}
