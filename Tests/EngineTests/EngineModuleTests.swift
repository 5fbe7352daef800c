import XCTest
@testable import Engine

final class EngineModuleTests: XCTestCase {
    func testModuleBuilds() throws {
        _ = EngineModule.self
    }
}
