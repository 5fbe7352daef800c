import XCTest
@testable import Tokenizer

final class TokenizerModuleTests: XCTestCase {
    func testModuleBuilds() throws {
        _ = TokenizerModule.self
    }
}
