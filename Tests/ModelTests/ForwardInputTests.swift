import XCTest
@testable import Model
import ModelTestSupport

/// A forward pass refuses a batch it cannot run with a typed error, before touching any memory.
final class ForwardInputTests: XCTestCase {
    func testForwardRefusesTokensPositionsAndBlockTablesOutOfRange() throws {
        let model = try Reference.load(Reference.model("hf-lm-a"))
        let pool = KVBlockPool(config: model.config, blockSize: 16, capacityBlocks: 8)
        let cases: [GPTBatchRow] = [
            GPTBatchRow(tokens: [300], startPosition: 0, blockTable: [0]),
            GPTBatchRow(tokens: [1, 2], startPosition: 63, blockTable: [0, 1, 2, 3]),
            GPTBatchRow(tokens: Array(repeating: 1, count: 17), startPosition: 0, blockTable: [0]),
            GPTBatchRow(tokens: [1], startPosition: 0, blockTable: [8]),
            GPTBatchRow(tokens: [], startPosition: 0, blockTable: [0]),
        ]
        for row in cases {
            XCTAssertThrowsError(try model.forward([row], cache: pool)) { error in
                guard case .invalidInput? = error as? GPTError else { return XCTFail("\(error)") }
            }
        }
    }
}
