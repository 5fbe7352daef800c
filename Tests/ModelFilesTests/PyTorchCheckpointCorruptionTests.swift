import Foundation
import XCTest
import Model
@testable import ModelFiles
import ModelTestSupport

/// Damaged copies of real checkpoints: every one either loads (and then every tensor reads) or is refused with a
/// `CheckpointError`. A crash, a trap or another error type fails the test run.
final class PyTorchCheckpointCorruptionTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-pth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    /// Loads `bytes` from a file; returns true when it loaded (and every tensor read), false when refused.
    private func loadsCleanly(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> Bool {
        let url = directory.appendingPathComponent("damaged.pth")
        try Data(bytes).write(to: url)
        do {
            let checkpoint = try PyTorchCheckpoint.load(contentsOf: url)
            for name in checkpoint.names { _ = try checkpoint.tensors[name]!.floats() }
            return true
        } catch is CheckpointError {
            return false
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: line)
            return false
        }
    }

    func testTruncatedCopiesAreRefused() throws {
        let original = [UInt8](try Data(contentsOf: PthFixtures.url("dtypes.pth")))
        var refused = 0
        for length in stride(from: 0, to: original.count, by: 31) {
            if try !loadsCleanly(Array(original[..<length])) { refused += 1 }
        }
        // Cutting a zip anywhere loses its end record: all of them are refused.
        XCTAssertEqual(refused, (original.count + 30) / 31)
    }

    func testRandomByteDamageNeverCrashes() throws {
        var generator = SplitMix64(seed: 8)
        for fixture in ["dtypes.pth", "shared.pth"] {
            let original = [UInt8](try Data(contentsOf: PthFixtures.url(fixture)))
            var outcomes = [0, 0]
            for _ in 0..<150 {
                var damaged = original
                for _ in 0..<Int(generator.next() % 4 + 1) {
                    damaged[Int(generator.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                outcomes[try loadsCleanly(damaged) ? 1 : 0] += 1
            }
            // Most damage lands in tensor data, which no check can see; some must hit the structure.
            XCTAssertGreaterThan(outcomes[0], 0, fixture)
            XCTAssertGreaterThan(outcomes[1], 0, fixture)
        }
    }

    func testDamageInsideThePickleNeverCrashes() throws {
        // The pickle of contiguous.pth starts right after its first local header (64-byte aligned by torch).
        let original = [UInt8](try Data(contentsOf: PthFixtures.url("contiguous.pth")))
        let pickleStart = 64, pickleLength = 4_586
        var generator = SplitMix64(seed: 80)
        for _ in 0..<150 {
            var damaged = original
            let at = pickleStart + Int(generator.next() % UInt64(pickleLength))
            damaged[at] = UInt8(truncatingIfNeeded: generator.next())
            _ = try loadsCleanly(damaged)
        }
    }
}

/// A tiny seeded generator, so a failure replays.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
