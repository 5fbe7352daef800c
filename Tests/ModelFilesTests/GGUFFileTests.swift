import Foundation
import ModelFiles
import ModelTestSupport
import XCTest

/// The GGUF reader against files written by gguf-py: metadata of every value type, and each tensor type
/// dequantized bit for bit as `gguf.quants.dequantize` does.
final class GGUFFileTests: XCTestCase {
    func testDequantizesEveryReadableTypeAsGGUFPyDoes() throws {
        let file = try GGUFFile(url: GGUFFixtures.url("quants.gguf"))
        let expected = try GGUFFixtures.reference("quants")
        XCTAssertEqual(expected.count, 8)
        for (name, shape, values) in expected {
            let info = try XCTUnwrap(file.tensor(name), name)
            XCTAssertEqual(info.shape, shape, name)
            XCTAssertTrue(info.type.isReadable, name)
            XCTAssertEqual(name, "t." + info.type.name.lowercased())
            let got = try file.dequantize(info)
            XCTAssertEqual(got.count, values.count, name)
            let mismatches = zip(got, values).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
            XCTAssertTrue(mismatches.isEmpty, "\(name): \(mismatches.count) elements differ, first at "
                + "\(mismatches.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
            XCTAssertTrue(values.contains { $0 != 0 }, "\(name): the reference should not be all zeros")
        }
    }

    func testReadsMetadataOfEveryValueType() throws {
        let file = try GGUFFile(url: GGUFFixtures.url("quants.gguf"))
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignment, 32)
        XCTAssertEqual(file.architecture, "quants")
        let m = file.metadata
        XCTAssertEqual(m["test.u8"], .uint8(200))
        XCTAssertEqual(m["test.i8"], .int8(-100))
        XCTAssertEqual(m["test.u16"], .uint16(60000))
        XCTAssertEqual(m["test.i16"], .int16(-30000))
        XCTAssertEqual(m["test.u32"], .uint32(4_000_000_000))
        XCTAssertEqual(m["test.i32"], .int32(-2_000_000_000))
        XCTAssertEqual(m["test.f32"], .float32(1.5))
        XCTAssertEqual(m["test.u64"], .uint64(1 << 63 + 5))
        XCTAssertEqual(m["test.i64"], .int64(-(1 << 62)))
        XCTAssertEqual(m["test.f64"], .float64(-0.25))
        XCTAssertEqual(m["test.bool"], .bool(true))
        XCTAssertEqual(m["test.string"]?.string, "héllo")
        XCTAssertEqual(m["test.strings"]?.strings, ["a", "", "ünï"])
        XCTAssertEqual(m["test.ints"]?.ints, [1, -2, 3])
        XCTAssertNil(m["test.u64"]?.int, "2^63 + 5 does not fit an Int")
        XCTAssertEqual(file.metadataKeys.first, "general.architecture")
        XCTAssertEqual(file.tensors.map(\.name).first, "t.f32")
    }

    func testReadsAFileOurWriterWrote() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-gguf-\(getpid()).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("gpt2"))
        writer.set("gpt2.block_count", .uint32(2))
        writer.set("tokenizer.ggml.tokens", .strings(["a", "b"]))
        writer.set("tokenizer.ggml.token_type", .int32s([1, 3]))
        writer.set("x.f", .float32(0.5))
        writer.set("x.b", .bool(false))
        writer.add("m", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        writer.add("v", shape: [5], values: [-1, -2, -3, -4, -5])
        try writer.write(to: url)
        let file = try GGUFFile(url: url)
        XCTAssertEqual(file.architecture, "gpt2")
        XCTAssertEqual(file.metadata["gpt2.block_count"], .uint32(2))
        XCTAssertEqual(file.metadata["tokenizer.ggml.tokens"]?.strings, ["a", "b"])
        XCTAssertEqual(file.metadata["tokenizer.ggml.token_type"]?.ints, [1, 3])
        XCTAssertEqual(file.metadata["x.f"], .float32(0.5))
        XCTAssertEqual(file.metadata["x.b"], .bool(false))
        let m = try XCTUnwrap(file.tensor("m"))
        XCTAssertEqual(m.shape, [2, 3])
        XCTAssertEqual(m.dimensions, [3, 2])
        XCTAssertEqual(try file.dequantize(m), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try file.dequantize(XCTUnwrap(file.tensor("v"))), [-1, -2, -3, -4, -5])
    }
}
