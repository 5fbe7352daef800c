import XCTest
@testable import JSONRPC

final class JSONRPCModuleTests: XCTestCase {
    func testModuleBuilds() throws {
        _ = JSONRPCModule.self
    }
}
