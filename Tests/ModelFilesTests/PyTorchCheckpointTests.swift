import Foundation
import XCTest
import Model
@testable import ModelFiles
import ModelTestSupport

final class PyTorchCheckpointTests: XCTestCase {
    /// Loads `stem.pth` and checks every tensor against PyTorch's own values, bit for bit.
    private func assertMatchesPyTorch(_ stem: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (reference, values) = try PthFixtures.reference(stem)
        let checkpoint = try PyTorchCheckpoint.load(contentsOf: PthFixtures.url(reference.file))
        XCTAssertEqual(checkpoint.names, reference.tensors.map(\.name), "\(stem): names in state-dict order",
                       file: file, line: line)
        XCTAssertEqual(checkpoint.tensors.count, reference.tensors.count, file: file, line: line)
        for expected in reference.tensors {
            guard let tensor = checkpoint.tensors[expected.name] else {
                XCTFail("\(stem): missing \(expected.name)", file: file, line: line)
                continue
            }
            XCTAssertEqual(tensor.shape, expected.shape, "\(stem) \(expected.name)", file: file, line: line)
            XCTAssertEqual(tensor.strides, expected.strides, "\(stem) \(expected.name)", file: file, line: line)
            XCTAssertEqual(tensor.storageOffset, expected.storage_offset, "\(stem) \(expected.name)", file: file, line: line)
            XCTAssertEqual(tensor.dtype.rawValue, expected.dtype, "\(stem) \(expected.name)", file: file, line: line)
            let floats = try tensor.floats()
            XCTAssertEqual(floats.map(\.bitPattern), values[expected.name]!.map(\.bitPattern),
                           "\(stem) \(expected.name): values", file: file, line: line)
        }
    }

    func testContiguousStateDictMatchesPyTorch() throws {
        try assertMatchesPyTorch("contiguous")
    }

    func testTransposedWeightsAreReadThroughTheirColumnMajorStrides() throws {
        try assertMatchesPyTorch("transposed")
        let checkpoint = try PyTorchCheckpoint.load(contentsOf: PthFixtures.url("transposed.pth"))
        let query = try XCTUnwrap(checkpoint.tensors["trf_blocks.0.att.W_query.weight"])
        XCTAssertEqual(query.shape, [16, 16])
        XCTAssertEqual(query.strides, [1, 16])
        XCTAssertFalse(query.isContiguous)
        XCTAssertEqual(checkpoint.tensors["out_head.weight"]?.strides, [1, 64])
    }

    func testSharedStorageViewsAreReadAtTheirOffsets() throws {
        try assertMatchesPyTorch("shared")
        let checkpoint = try PyTorchCheckpoint.load(contentsOf: PthFixtures.url("shared.pth"))
        let C = 16
        let parts = ["W_query", "W_key", "W_value"].map { checkpoint.tensors["trf_blocks.1.att.\($0).weight"]! }
        XCTAssertEqual(Set(parts.map(\.storageKey)).count, 1, "q, k and v share one storage")
        XCTAssertEqual(parts.map(\.storageOffset), [0, C, 2 * C])
        XCTAssertEqual(parts[0].strides, [1, 3 * C])
        let biases = ["W_query", "W_key", "W_value"].map { checkpoint.tensors["trf_blocks.1.att.\($0).bias"]! }
        XCTAssertEqual(biases.map(\.storageOffset), [0, C, 2 * C])
        XCTAssertEqual(Set(biases.map(\.storageKey)).count, 1)
    }

    func testClassifierHeadHasTwoRowsAndABias() throws {
        try assertMatchesPyTorch("classifier")
        let checkpoint = try PyTorchCheckpoint.load(contentsOf: PthFixtures.url("classifier.pth"))
        XCTAssertEqual(checkpoint.tensors["out_head.weight"]?.shape, [2, 16])
        XCTAssertEqual(checkpoint.tensors["out_head.bias"]?.shape, [2])
    }

    func testTrainingCheckpointIsUnwrappedAndOptimizerTensorsIgnored() throws {
        try assertMatchesPyTorch("checkpoint")
        let checkpoint = try PyTorchCheckpoint.load(contentsOf: PthFixtures.url("checkpoint.pth"))
        XCTAssertEqual(checkpoint.names.first, "tok_emb.weight")
        XCTAssertFalse(checkpoint.names.contains { $0.contains("exp_avg") || $0 == "state" })
    }

    func testOtherDtypesStridedSlicesScalarsAndProtocol4() throws {
        try assertMatchesPyTorch("dtypes")
        let checkpoint = try PyTorchCheckpoint.load(contentsOf: PthFixtures.url("dtypes.pth"))
        XCTAssertEqual(checkpoint.tensors["scalar"]?.shape, [])
        XCTAssertEqual(try checkpoint.tensors["scalar"]?.floats(), [3.5])
        XCTAssertEqual(try checkpoint.tensors["empty"]?.floats(), [])
        XCTAssertEqual(try checkpoint.tensors["i32"]?.floats(), [-2147483648, 5, 2147483648])  // Int32.max rounds to 2^31 in fp32, as in PyTorch
        XCTAssertEqual(try checkpoint.tensors["bool"]?.floats(), [1, 0, 1])
        XCTAssertEqual(checkpoint.tensors["expanded"]?.strides, [1, 0])
        XCTAssertEqual(checkpoint.tensors["param"]?.shape, [2, 2], "an nn.Parameter reads as its data")
    }

    func testZip64ArchiveReadsLikeTheOrdinaryOne() throws {
        try assertMatchesPyTorch("zip64")
    }

    func testAskingForAMissingTensorNamesFileAndTensor() throws {
        let checkpoint = try PyTorchCheckpoint.load(contentsOf: PthFixtures.url("contiguous.pth"))
        XCTAssertEqual(try checkpoint.tensor("pos_emb.weight").shape, [16, 16])
        XCTAssertThrowsError(try checkpoint.tensor("out_head.bias")) { error in
            XCTAssertEqual(error as? CheckpointError, .missingTensor(file: "contiguous.pth", tensor: "out_head.bias"))
        }
    }

    func testHalfToFloatConversionIsExact() {
        XCTAssertEqual(floatFromHalf(0x3C00), 1)
        XCTAssertEqual(floatFromHalf(0xC000), -2)
        XCTAssertEqual(floatFromHalf(0x7BFF), 65504)
        XCTAssertEqual(floatFromHalf(0x0001), 0x1p-24)
        XCTAssertEqual(floatFromHalf(0x8000).bitPattern, (-0.0 as Float).bitPattern)
        XCTAssertEqual(floatFromHalf(0x7C00), .infinity)
        XCTAssertTrue(floatFromHalf(0x7E00).isNaN)
    }
}
