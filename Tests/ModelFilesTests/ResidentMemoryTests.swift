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

    /// The model's weights keep their GGUF source as long as they live; the source must not keep the file's
    /// vocabulary with it (a 150k-token one is about 30 MiB parsed) nor the header pages it was parsed from.
    func testAGGUFSourceKeepsNeitherTheVocabularyArraysNorTheHeaderPages() throws {
        var writer = GGUFFixtures.minimalQwen2()
        writer.set("tokenizer.ggml.eos_token_id", .uint32(3))
        writer.set("tokenizer.ggml.tokens", .strings((0..<100_000).map { "token number \($0)" }))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-\(getpid())-vocabulary.gguf")
        try writer.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }

        let source = try GGUFTensorSource(url: url)
        XCTAssertGreaterThan(source.file.dataOffset, 1 << 20, "the header holds a vocabulary of megabytes")
        XCTAssertTrue(source.file.metadata["tokenizer.ggml.tokens"] == nil, "the tokens stay with the file's source")
        XCTAssertEqual(source.file.metadata["tokenizer.ggml.eos_token_id"]?.int, 3, "settings stay")
        XCTAssertEqual(source.file.metadataKeys.count, source.file.metadata.count)
        XCTAssertTrue(try GGUFFile(url: url).metadata["tokenizer.ggml.tokens"] != nil, "the file itself is unchanged")
        let resident = try Self.residentBytes(mapping: url.path)
        XCTAssertLessThan(resident, 256 << 10, "\(resident) bytes of the file still resident")
        withExtendedLifetime(source) {}
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
