import Foundation
import XCTest
import Model
@testable import ModelFiles
import ModelTestSupport

/// Hostile and broken `.pth` files: each is refused with its own error, without crashing and without running code.
final class PyTorchCheckpointHostileTests: XCTestCase {
    private let marker = "/tmp/gptls-pwned"

    override func setUp() {
        try? FileManager.default.removeItem(atPath: marker)
    }

    override func tearDown() {
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "a hostile pickle ran a command")
    }

    private func error(loading name: String, file: StaticString = #filePath, line: UInt = #line) -> CheckpointError? {
        do {
            let checkpoint = try PyTorchCheckpoint.load(contentsOf: PthFixtures.url(name))
            XCTFail("\(name) loaded \(checkpoint.names.count) tensors instead of being refused", file: file, line: line)
            return nil
        } catch let error as CheckpointError {
            return error
        } catch {
            XCTFail("\(name): unexpected error type \(error)", file: file, line: line)
            return nil
        }
    }

    func testOsSystemIsRefusedByNameAndNotRun() {
        let error = error(loading: "hostile_os_system.pth")
        XCTAssertEqual(error, .forbiddenGlobal(file: "hostile_os_system.pth", global: "os.system"))
        XCTAssertEqual(error?.description, "hostile_os_system.pth: the pickle calls os.system, which a state dict "
            + "never needs; refusing to load it")
    }

    func testReduceClassInsideAValidStateDictIsRefused() {
        XCTAssertEqual(error(loading: "hostile_posix_system.pth"),
                       .forbiddenGlobal(file: "hostile_posix_system.pth", global: "posix.system"))
    }

    func testUnknownGlobalsAreRefusedByName() {
        XCTAssertEqual(error(loading: "hostile_unknown_global.pth"),
                       .forbiddenGlobal(file: "hostile_unknown_global.pth", global: "__main__.Evil"))
        XCTAssertEqual(error(loading: "hostile_eval.pth"),
                       .forbiddenGlobal(file: "hostile_eval.pth", global: "builtins.eval"))
    }

    func testOpcodesOutsideTheStateDictSubsetAreRefused() {
        XCTAssertEqual(error(loading: "hostile_unknown_opcode.pth"),
                       .unknownOpcode(file: "hostile_unknown_opcode.pth", byte: 0xFF, offset: 3))
        XCTAssertEqual(error(loading: "hostile_inst_opcode.pth"),
                       .forbiddenOpcode(file: "hostile_inst_opcode.pth", name: "INST", byte: 0x69, offset: 3))
    }

    func testViewsReachingPastTheirStorageAreRefused() {
        XCTAssertEqual(error(loading: "hostile_storage_too_small.pth"),
                       .storageTooSmall(file: "hostile_storage_too_small.pth", tensor: "w", storage: "0",
                                        needed: 7, available: 6))
        XCTAssertEqual(error(loading: "hostile_storage_offset.pth"),
                       .storageTooSmall(file: "hostile_storage_offset.pth", tensor: "w", storage: "0",
                                        needed: 7, available: 6))
    }

    func testStorageEntryShorterThanItsElementCountIsRefused() {
        XCTAssertEqual(error(loading: "hostile_short_storage_entry.pth"),
                       .storageEntryTooSmall(file: "hostile_short_storage_entry.pth",
                                             entry: "hostile_short_storage_entry/data/0", needed: 24, available: 20))
    }

    func testNegativeAndOverflowingShapesAreRefused() {
        guard case let .invalidTensor(_, tensor, reason)? = error(loading: "hostile_negative_shape.pth") else {
            return XCTFail("expected invalidTensor")
        }
        XCTAssertEqual(tensor, "w")
        XCTAssertTrue(reason.contains("negative size"), reason)
        guard case let .invalidTensor(_, _, overflow)? = error(loading: "hostile_overflow_shape.pth") else {
            return XCTFail("expected invalidTensor")
        }
        XCTAssertTrue(overflow.contains("64 bits"), overflow)
    }

    func testMissingStorageEntryIsNamed() {
        XCTAssertEqual(error(loading: "hostile_missing_storage.pth"),
                       .missingEntry(file: "hostile_missing_storage.pth", entry: "hostile_missing_storage/data/0"))
    }

    func testDeepNestingNeitherRecursesNorCrashes() {
        XCTAssertEqual(error(loading: "hostile_deep_nesting.pth"),
                       .noStateDict(file: "hostile_deep_nesting.pth", keys: []))
    }

    func testZipBombIsRefusedBeforeInflating() {
        XCTAssertEqual(error(loading: "hostile_zip_bomb.pth"),
                       .compressedEntry(file: "hostile_zip_bomb.pth", entry: "hostile_zip_bomb/data/0", method: 8))
    }

    func testHundredGigabyteEntryIsRefusedBeforeReading() {
        guard case let .outOfBounds(file, what, _, length, fileSize)? = error(loading: "hostile_huge_entry.pth") else {
            return XCTFail("expected outOfBounds")
        }
        XCTAssertEqual(file, "hostile_huge_entry.pth")
        XCTAssertEqual(what, "zip entry hostile_huge_entry/data/0")
        XCTAssertEqual(length, 100 << 30)
        XCTAssertLessThan(fileSize, 4096)
    }

    func testTruncatedAndNonZipFilesAreRefused() {
        guard case .notAZip? = error(loading: "hostile_truncated.pth") else { return XCTFail("expected notAZip") }
        guard case .notAZip? = error(loading: "hostile_not_a_zip.pth") else { return XCTFail("expected notAZip") }
    }

    func testMissingFileAndDirectoryAreRefused() {
        guard case .cannotOpen? = error(loading: "no_such_file.pth") else { return XCTFail("expected cannotOpen") }
        do {
            _ = try PyTorchCheckpoint.load(contentsOf: PthFixtures.directory)
            XCTFail("a directory loaded")
        } catch let error as CheckpointError {
            guard case .cannotOpen = error else { return XCTFail("expected cannotOpen, got \(error)") }
        } catch {
            XCTFail("unexpected \(error)")
        }
    }
}

final class CheckpointErrorTests: XCTestCase {
    func testWholeModelPickleGetsAHint() {
        let error = CheckpointError.forbiddenGlobal(file: "model.pth", global: "__main__.GPTModel")
        XCTAssertTrue(error.description.hasSuffix("save model.state_dict())"), error.description)
        let system = CheckpointError.forbiddenGlobal(file: "model.pth", global: "os.system")
        XCTAssertFalse(system.description.contains("state_dict()"))
    }
}
