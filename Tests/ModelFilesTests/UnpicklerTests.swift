import XCTest
import Model
@testable import ModelFiles
import ModelTestSupport

final class UnpicklerTests: XCTestCase {
    private func run(_ bytes: [UInt8]) throws -> (PickleValue, PickleHeap) {
        try bytes.withUnsafeBytes { raw in
            var unpickler = Unpickler(fileName: "test.pkl", bytes: raw)
            let value = try unpickler.run()
            return (value, unpickler.heap)
        }
    }

    func testListStoredInTheMemoStaysSharedWhenAppendedLater() throws {
        // ]q\x00 h\x00 K\x07 a 0 .  : put the list, fetch it again, append 7 through the copy, pop it, return the original.
        let (value, heap) = try run([0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x4B, 0x07, 0x61, 0x30, 0x2E])
        guard case let .list(index) = value, case .int(7)? = heap.lists[index].first else {
            return XCTFail("expected [7], got \(value)")
        }
    }

    func testLong1DecodesNegativeAndWideIntegers() throws {
        let (negative, _) = try run([0x80, 0x02, 0x8A, 0x01, 0xFF, 0x2E])
        guard case .int(-1) = negative else { return XCTFail("\(negative)") }
        let (wide, _) = try run([0x80, 0x02, 0x8A, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2E])
        guard case .int(1 << 32) = wide else { return XCTFail("\(wide)") }
        XCTAssertThrowsError(try run([0x80, 0x02, 0x8A, 0x09] + [UInt8](repeating: 1, count: 9) + [0x2E]))
    }

    func testSetItemsKeepsInsertionOrderAndLastValueWins() throws {
        // { ( "b" 1 "a" 2 "b" 3 u .
        let (value, heap) = try run([0x80, 0x02, 0x7D, 0x28, 0x8C, 0x01, 0x62, 0x4B, 0x01, 0x8C, 0x01, 0x61,
                                     0x4B, 0x02, 0x8C, 0x01, 0x62, 0x4B, 0x03, 0x75, 0x2E])
        guard case let .dict(index) = value else { return XCTFail("\(value)") }
        let dict = heap.dicts[index]
        XCTAssertEqual(dict.keys.count, 2)
        guard case .string("b") = dict.keys[0], case .int(3)? = dict["b"], case .int(2)? = dict["a"] else {
            return XCTFail("\(dict)")
        }
    }

    func testStackUnderflowAndMissingStopAreErrorsNotCrashes() {
        XCTAssertThrowsError(try run([0x80, 0x02, 0x2E]))
        XCTAssertThrowsError(try run([0x80, 0x02, 0x28, 0x61]))  // APPEND below a MARK
        XCTAssertThrowsError(try run([0x80, 0x02, 0x5D]))
        XCTAssertThrowsError(try run([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F]))  // a 2 GB string in 7 bytes
        XCTAssertThrowsError(try run([0x80, 0x02, 0x68, 0x05, 0x2E]))  // memo entry never stored
    }

    func testForbiddenGlobalIsRefusedAtTheGlobalNotAtTheCall() {
        // "c" "os\nsystem\n" and no REDUCE: refused all the same.
        XCTAssertThrowsError(try run([0x80, 0x02, 0x63] + Array("os\nsystem\n".utf8) + [0x2E])) { error in
            XCTAssertEqual(error as? CheckpointError, .forbiddenGlobal(file: "test.pkl", global: "os.system"))
        }
    }
}

final class UnpicklerLimitTests: XCTestCase {
    private func run(_ bytes: [UInt8], _ limits: Unpickler.Limits) throws {
        try bytes.withUnsafeBytes { raw in
            var unpickler = Unpickler(fileName: "test.pkl", bytes: raw, limits: limits)
            _ = try unpickler.run()
        }
    }

    func testContainerCountIsBounded() {
        var limits = Unpickler.Limits()
        limits.objects = 10
        var manyLists: [UInt8] = [0x80, 0x02]
        for _ in 0..<20 { manyLists += [0x5D, 0x30] }  // EMPTY_LIST, POP
        manyLists += [0x4E, 0x2E]
        XCTAssertThrowsError(try run(manyLists, limits)) { error in
            XCTAssertEqual(error as? CheckpointError, .limitExceeded(file: "test.pkl", what: "containers", limit: 10))
        }
        XCTAssertNoThrow(try run(manyLists, Unpickler.Limits()))
    }

    func testStackMemoAndSizeAreBounded() {
        var limits = Unpickler.Limits()
        limits.stack = 4
        XCTAssertThrowsError(try run([0x80, 0x02] + [UInt8](repeating: 0x4E, count: 5) + [0x2E], limits))
        limits = Unpickler.Limits()
        limits.memo = 2
        XCTAssertThrowsError(try run([0x80, 0x02, 0x4E, 0x71, 0, 0x71, 1, 0x71, 2, 0x2E], limits))
        limits = Unpickler.Limits()
        limits.pickleBytes = 3
        XCTAssertThrowsError(try run([0x80, 0x02, 0x4E, 0x2E], limits))
    }
}
