import Foundation
import ModelFiles
import ModelTestSupport
import XCTest

/// Hostile and damaged GGUF files: each is refused with the `GGUFError` that names the fault, never a trap.
final class GGUFHostileTests: XCTestCase {
    /// GGUF bytes written by hand, so each field can lie.
    struct Bytes {
        var data = Data("GGUF".utf8)

        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); data.append(contentsOf: Array(s.utf8)) }

        /// A version 3 header of `tensors` and `keys` counts.
        static func header(tensors: UInt64, keys: UInt64, version: UInt32 = 3) -> Bytes {
            var b = Bytes()
            b.u32(version); b.u64(tensors); b.u64(keys)
            return b
        }

        mutating func tensor(_ name: String, dims: [UInt64], type: UInt32 = 0, offset: UInt64 = 0) {
            string(name); u32(UInt32(dims.count)); for d in dims { u64(d) }; u32(type); u64(offset)
        }

        /// Pads to the data section and appends `count` data bytes.
        mutating func data(_ count: Int, alignment: Int = 32) {
            data.append(Data(count: (alignment - data.count % alignment) % alignment + count))
        }
    }

    private func open(_ bytes: Bytes, name: String = "hostile.gguf") throws -> GGUFFile {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-\(getpid())-\(name)")
        try bytes.data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try GGUFFile(url: url)
    }

    private func assertRefused(_ bytes: Bytes, _ expected: GGUFError, line: UInt = #line) {
        XCTAssertThrowsError(try open(bytes), line: line) { error in
            XCTAssertEqual(error as? GGUFError, expected, line: line)
            XCTAssertTrue("\(error)".hasPrefix("gptls-\(getpid())-hostile.gguf: "), "\(error)", line: line)
        }
    }

    private var file: String { "gptls-\(getpid())-hostile.gguf" }

    func testAcceptsAWellFormedHandWrittenFile() throws {
        var b = Bytes.header(tensors: 1, keys: 1)
        b.string("general.alignment"); b.u32(4); b.u32(64)
        b.tensor("w", dims: [4, 2])
        b.data(32, alignment: 64)
        let file = try open(b)
        XCTAssertEqual(file.alignment, 64)
        XCTAssertEqual(file.dataOffset % 64, 0)
        XCTAssertEqual(file.tensor("w")?.shape, [2, 4])
        XCTAssertEqual(try file.dequantize(XCTUnwrap(file.tensor("w"))), [Float](repeating: 0, count: 8))
    }

    func testRefusesWrongMagicAndVersions() {
        var notGGUF = Bytes(); notGGUF.data = Data("GGUG".utf8) + Data(count: 20)
        assertRefused(notGGUF, .notGGUF(file: file))
        assertRefused(.header(tensors: 0, keys: 0, version: 1), .unsupportedVersion(file: file, version: 1))
        assertRefused(.header(tensors: 0, keys: 0, version: 4), .unsupportedVersion(file: file, version: 4))
    }

    func testRefusesCountsTheFileCannotHold() {
        assertRefused(.header(tensors: UInt64.max, keys: 0), .countTooLarge(file: file, what: "tensors", count: .max))
        assertRefused(.header(tensors: 0, keys: 1 << 62), .countTooLarge(file: file, what: "metadata keys",
                                                                         count: 1 << 62))
        var array = Bytes.header(tensors: 0, keys: 1)
        array.string("a"); array.u32(9); array.u32(8); array.u64(1 << 40)
        assertRefused(array, .countTooLarge(file: file, what: "elements in a", count: 1 << 40))
    }

    func testRefusesStringsLongerThanTheFile() {
        var b = Bytes.header(tensors: 0, keys: 1)
        b.u64(UInt64.max); b.u64(0)
        assertRefused(b, .truncated(file: file, what: "a metadata key", offset: 32, length: .max, fileSize: 40))
        var value = Bytes.header(tensors: 0, keys: 1)
        value.string("k"); value.u32(8); value.u64(100); value.data.append(contentsOf: [1, 2, 3])
        assertRefused(value, .truncated(file: file, what: "the value of k", offset: 45, length: 100, fileSize: 48))
    }

    func testRefusesUnknownTypesAndNestedArrays() {
        var b = Bytes.header(tensors: 0, keys: 1)
        b.string("k"); b.u32(13)
        assertRefused(b, .unknownValueType(file: file, key: "k", type: 13))
        var nested = Bytes.header(tensors: 0, keys: 1)
        nested.string("k"); nested.u32(9); nested.u32(9); nested.u64(1)
        assertRefused(nested, .unknownValueType(file: file, key: "k", type: 9))
        var tensor = Bytes.header(tensors: 1, keys: 0)
        tensor.tensor("w", dims: [32], type: 99)
        tensor.data(64)
        assertRefused(tensor, .unknownTensorType(file: file, tensor: "w", type: 99))
    }

    func testRefusesDuplicateNames() {
        var keys = Bytes.header(tensors: 0, keys: 2)
        keys.string("k"); keys.u32(4); keys.u32(1)
        keys.string("k"); keys.u32(4); keys.u32(2)
        assertRefused(keys, .duplicateKey(file: file, key: "k"))
        var tensors = Bytes.header(tensors: 2, keys: 0)
        tensors.tensor("w", dims: [1]); tensors.tensor("w", dims: [1], offset: 32)
        tensors.data(64)
        assertRefused(tensors, .duplicateTensor(file: file, tensor: "w"))
    }

    func testRefusesBadDimensionsAndAlignment() {
        var overflow = Bytes.header(tensors: 1, keys: 0)
        overflow.tensor("w", dims: [1 << 40, 1 << 40])
        assertRefused(overflow, .badDimensions(file: file, tensor: "w", dimensions: [1 << 40, 1 << 40]))
        var rank = Bytes.header(tensors: 1, keys: 0)
        rank.tensor("w", dims: [1, 1, 1, 1, 1])
        assertRefused(rank, .badDimensions(file: file, tensor: "w", dimensions: [5]))
        var partialBlock = Bytes.header(tensors: 1, keys: 0)
        partialBlock.tensor("w", dims: [33], type: 8)
        assertRefused(partialBlock, .badDimensions(file: file, tensor: "w", dimensions: [33]))
        var alignment = Bytes.header(tensors: 0, keys: 1)
        alignment.string("general.alignment"); alignment.u32(4); alignment.u32(3)
        assertRefused(alignment, .badAlignment(file: file, alignment: 3))
    }

    func testRefusesTensorsOutsideTheDataSection() {
        var past = Bytes.header(tensors: 1, keys: 0)
        past.tensor("w", dims: [16], offset: 32)
        past.data(64)
        assertRefused(past, .tensorOutsideData(file: file, tensor: "w", offset: 32, bytes: 64, dataBytes: 64))
        var far = Bytes.header(tensors: 1, keys: 0)
        far.tensor("w", dims: [1], offset: UInt64.max - 31)
        far.data(32)
        assertRefused(far, .tensorOutsideData(file: file, tensor: "w", offset: .max - 31, bytes: 4, dataBytes: 32))
        var misaligned = Bytes.header(tensors: 1, keys: 0)
        misaligned.tensor("w", dims: [1], offset: 4)
        misaligned.data(32)
        assertRefused(misaligned, .misalignedTensor(file: file, tensor: "w", offset: 4, alignment: 32))
    }

    func testRefusesUnsupportedTensorTypesByName() throws {
        var b = Bytes.header(tensors: 1, keys: 0)
        b.tensor("w", dims: [256], type: 11)  // Q3_K
        b.data(110)
        let file = try open(b)
        let info = try XCTUnwrap(file.tensor("w"))
        XCTAssertEqual(info.type.name, "Q3_K")
        XCTAssertThrowsError(try file.dequantize(info)) { error in
            XCTAssertEqual(error as? GGUFError, .unsupportedTensorType(file: self.file, tensor: "w", type: "Q3_K"))
            XCTAssertTrue("\(error)".contains("Q3_K"))
        }
    }

    /// Every prefix of a real file either reads or throws; those that cut the header or a tensor throw.
    func testEveryTruncationIsRefusedOrRead() throws {
        let whole = try Data(contentsOf: GGUFFixtures.url("quants.gguf"))
        let full = try open({ var b = Bytes(); b.data = whole; return b }())
        let needed = full.dataOffset + full.tensors.map { $0.offset + $0.byteCount }.max()!
        for length in stride(from: 0, to: whole.count, by: 13) {
            var b = Bytes(); b.data = whole.prefix(length)
            if length < needed {
                XCTAssertThrowsError(try open(b), "prefix of \(length) bytes")
            } else {
                XCTAssertNoThrow(try open(b), "prefix of \(length) bytes")
            }
        }
    }
}
