import XCTest
@testable import LanguageServer

final class LanguageServerModuleTests: XCTestCase {
    func testModuleBuilds() throws {
        _ = LanguageServerModule.self
    }
}
