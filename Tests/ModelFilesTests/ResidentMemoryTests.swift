import Foundation
import XCTest
import Model
@testable import ModelFiles
import ModelTestSupport

/// After loading, the weights live in the model's own buffers and the mapped file's pages are released, so the
/// weights are resident once: the server's memory bound (model + cache budget + 100 MB) counts on it.
final class ResidentMemoryTests: XCTestCase {
    func testNoPartOfTheModelFileStaysResidentAfterLoadingAndAForwardPass() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gptls-resident-\(ProcessInfo.processInfo.processIdentifier)")
        try RandomModel.write(config: RandomModel.tiny, seed: 3, to: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("model.safetensors").path
        let fileBytes = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        XCTAssertGreaterThan(fileBytes, 6 << 20, "the file is mostly its 50257 x 32 token embedding")

        for weights in [WeightFormat.f32, .bf16] {
            let model = try GPTModel.load(from: directory, weights: weights)
            let pool = TestKVPool(for: model, capacityBlocks: 8)
            _ = try TestSequence(model: model, pool: pool).append([50256, 464, 3290, 318])
            // What may stay: the header and the partial pages at tensor boundaries, a few KiB each.
            let resident = try Self.residentBytes(mapping: file)
            XCTAssertLessThan(resident, 1 << 20, "\(weights): \(resident) bytes of the file still resident")
            withExtendedLifetime(model) {}
        }
    }

    /// Resident bytes of this process's mappings of `path`, from /proc/self/smaps.
    static func residentBytes(mapping path: String) throws -> Int {
        // Read to the end: /proc files report a size of 0, which a whole-file read would believe.
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var inFile = false, kiB = 0
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), !first.hasSuffix(":") {
                inFile = fields.count >= 6 && fields[5...].joined(separator: " ") == path  // a mapping's header line
            } else if inFile, fields.first == "Rss:", fields.count >= 2, let value = Int(fields[1]) {
                kiB += value
            }
        }
        return kiB << 10
    }
}
