import Foundation
import XCTest
@testable import Model
@testable import ModelFiles
import ModelTestSupport

/// A quantized or bf16 token embedding stays in the file and is read a row at a time, each row exactly the
/// dequantized table's; a permuted projection is never read by rows.
final class GGUFTokenEmbeddingRowsTests: XCTestCase {
    func testEachRowReadAloneEqualsTheDequantizedTablesRow() throws {
        for file in ["family-qwen3-q8_0.gguf", "family-qwen3-bf16.gguf", "family-qwen3-f16.gguf"] {
            let source = try GGUFTensorSource(url: GGUFFixtures.url(file))
            for name in source.tensorNames {
                guard let rows = source.rows(name), let shape = source.shape(of: name) else { continue }
                XCTAssertEqual([rows.rows, rows.width], shape, name)
                var table = [Float](repeating: .nan, count: rows.rows * rows.width)
                try source.copyFloats(name, into: &table)
                var row = [Float](repeating: .nan, count: rows.width)
                for r in [0, rows.rows / 2, rows.rows - 1] {
                    row.withUnsafeMutableBufferPointer { rows.copy(r, $0.baseAddress!) }
                    XCTAssertEqual(row.map(\.bitPattern), table[(r * rows.width)..<((r + 1) * rows.width)].map(\.bitPattern),
                                   "\(file) \(name) row \(r)")
                }
            }
        }
        let llama = try GGUFTensorSource(url: GGUFFixtures.url("family-llama-q8_0.gguf"))
        XCTAssertNil(llama.rows("model.layers.0.self_attn.q_proj.weight"), "its rows are permuted in the file")
    }

    /// Rows are read with pread, not from the mapping: a table's rows looked up leave the process's resident
    /// memory as it was (the mapping's pages of the table are never touched), and still equal the mapped table's.
    func testLookingRowsUpLeavesTheMappedTableUntouched() throws {
        let source = try GGUFTensorSource(url: GGUFFixtures.url("family-llama-q4_k.gguf"))
        let name = "model.embed_tokens.weight"
        let info = try XCTUnwrap(source.info(name))
        source.releasePages(name)
        let rows = try XCTUnwrap(source.rows(name))
        var row = [Float](repeating: .nan, count: rows.width)
        for r in 0..<rows.rows { row.withUnsafeMutableBufferPointer { rows.copy(r, $0.baseAddress!) } }
        XCTAssertEqual(try Self.residentPages(of: source.file.bytes(of: info)), 0)
    }

    /// Pages of `bytes` (a part of a mapping) mapped into this process now, from /proc/self/pagemap (bit 63).
    static func residentPages(of bytes: UnsafeRawBufferPointer) throws -> Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: bytes.baseAddress!) + page - 1) / page
        let last = (Int(bitPattern: bytes.baseAddress!) + bytes.count) / page
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/pagemap"))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(first * 8))
        let data = try handle.read(upToCount: (last - first) * 8) ?? Data()
        return stride(from: 0, to: data.count, by: 8).filter { data[data.startIndex + $0 + 7] & 0x80 != 0 }.count
    }

    /// Every type the reader dequantizes (Q4_K and Q6_K too), a block range at a time, equals the whole tensor's.
    func testDequantizingBlockRangesEqualsTheWholeTensor() throws {
        let file = try GGUFFile(url: GGUFFixtures.url("quants.gguf"))
        XCTAssertTrue(Set(file.tensors.map(\.type.name)).isSuperset(of: ["Q8_0", "Q4_0", "Q5_0", "Q4_K", "Q6_K"]))
        for info in file.tensors where info.type.isReadable {
            let whole = try file.dequantize(info)
            let blocks = info.elementCount / info.type.blockSize
            let half = blocks / 2
            var part = [Float](repeating: .nan, count: (blocks - half) * info.type.blockSize)
            try part.withUnsafeMutableBufferPointer {
                try file.dequantize(info, blocks: half..<blocks, into: $0.baseAddress!)
            }
            XCTAssertEqual(part.map(\.bitPattern), whole[(half * info.type.blockSize)...].map(\.bitPattern),
                           "\(info.name) (\(info.type))")
        }
    }

    func testAQuantizedModelLooksItsTokensUpInTheFile() throws {
        let model = try GPTModel.load(from: GGUFFixtures.url("family-qwen3-q8_0.gguf"))
        guard case .fileRows = model.tokenEmbedding else {
            return XCTFail("a Q8_0 embedding should be read from the file, not widened to fp32")
        }
    }
}

/// Matrices of a quantized file packed from its rows a few panels at a time give the same model as packed whole.
final class GGUFChunkedPackingTests: XCTestCase {
    /// The file as a source that cannot read rows: everything is widened whole, as before rows existed.
    private struct WholeTensors: TensorSource {
        let inner: GGUFTensorSource
        var fileName: String { inner.fileName }
        func shape(of name: String) -> [Int]? { inner.shape(of: name) }
        func inPlaceFloats(_ name: String) -> UnsafePointer<Float>? { inner.inPlaceFloats(name) }
        func copyFloats(_ name: String, into buffer: UnsafeMutablePointer<Float>) throws {
            try inner.copyFloats(name, into: buffer)
        }
    }

    func testPackingFromRowsInChunksGivesTheSameLogitsAsPackingWhole() throws {
        let saved = WeightStorage.chunkFloats
        WeightStorage.chunkFloats = 1  // one panel of 16 rows per chunk
        defer { WeightStorage.chunkFloats = saved }
        let tokens = [1, 7, 42, 100, 3]
        for file in ["family-qwen3-q8_0.gguf", "family-llama-q8_0.gguf"] {
            let source = try GGUFTensorSource(url: GGUFFixtures.url(file))
            for format in [WeightFormat.f32, .bf16, .int8] {
                let chunked = try GPTModel.load(tensors: source, config: GPTConfig.readGGUF(source), weights: format)
                let whole = try GPTModel.load(tensors: WholeTensors(inner: source), config: GPTConfig.readGGUF(source),
                                              weights: format)
                XCTAssertEqual(try logits(chunked, tokens).map(\.bitPattern), try logits(whole, tokens).map(\.bitPattern),
                               "\(file) \(format)")
            }
        }
    }

    private func logits(_ model: GPTModel, _ tokens: [Int]) throws -> [Float] {
        let pool = TestKVPool(for: model, blockSize: 4, capacityBlocks: 16)
        let run = TestSequence(model: model, pool: pool)
        let all = try model.forward([try run.row(appending: tokens)], cache: pool, allPositions: true)
        return tokens.indices.flatMap { Array(all[$0]) }
    }
}
