import Foundation
import XCTest
import Model
@testable import ModelFiles
import ModelTestSupport

/// Hostile or broken model files give a typed error naming the file, the tensor and the expectation; never a crash.
final class BadModelFileTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gpt-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Writes a safetensors file from a raw header object and a data section.
    func write(_ name: String, header: [String: Any], data: Data) throws -> URL {
        let json = try JSONSerialization.data(withJSONObject: header)
        var bytes = Data()
        var length = UInt64(json.count).littleEndian
        bytes.append(Data(bytes: &length, count: 8))
        bytes.append(json)
        bytes.append(data)
        let url = directory.appendingPathComponent(name)
        try bytes.write(to: url)
        return url
    }

    /// The tensors of a fixture rewritten with `edit` applied to their (name -> (dtype, shape, bytes)) map.
    func rewrite(_ fixture: String, edit: (inout [String: (String, [Int], Data)]) -> Void) throws -> URL {
        let file = try SafetensorsFile(url: Reference.fixtures.appendingPathComponent(fixture))
        var tensors: [String: (String, [Int], Data)] = [:]
        for info in file.tensors.values {
            tensors[info.name] = (info.dtype, info.shape, Data(bytes: file.bytes(info), count: info.end - info.begin))
        }
        edit(&tensors)
        var header: [String: Any] = [:], data = Data()
        for (name, t) in tensors.sorted(by: { $0.key < $1.key }) {
            header[name] = ["dtype": t.0, "shape": t.1, "data_offsets": [data.count, data.count + t.2.count]]
            data.append(t.2)
        }
        return try write("edited.safetensors", header: header, data: data)
    }

    /// Loading `url` throws `expected`: a `ModelFileError` about the file, or the model's `GPTError` about a tensor.
    func assertError<E: Error & Equatable>(_ expected: E, heads: Int? = 3, _ url: URL, file: StaticString = #filePath,
                                           line: UInt = #line) {
        XCTAssertThrowsError(try GPTModel.load(from: url, heads: heads), file: file, line: line) { error in
            XCTAssertEqual(error as? E, expected, file: file, line: line)
        }
    }

    func testMissingFileNamesThePath() {
        let url = directory.appendingPathComponent("nope.safetensors")
        assertError(ModelFileError.fileNotFound(path: url.path), url)
    }

    func testFileShorterThanTheLengthFieldIsTruncated() throws {
        let url = directory.appendingPathComponent("short.safetensors")
        try Data([1, 2, 3]).write(to: url)
        assertError(ModelFileError.truncated(file: "short.safetensors", size: 3, needed: 8), url)
    }

    func testHeaderLongerThanTheFileIsRefused() throws {
        let url = directory.appendingPathComponent("long.safetensors")
        var bytes = Data([0x00, 0x10, 0, 0, 0, 0, 0, 0])  // 4096-byte header
        bytes.append(Data("{}".utf8))
        try bytes.write(to: url)
        assertError(ModelFileError.headerTooLong(file: "long.safetensors", length: 4096, limit: 2), url)
    }

    func testHeaderLengthOverTheCapIsRefused() throws {
        let url = directory.appendingPathComponent("huge.safetensors")
        var bytes = Data(repeating: 0xff, count: 8)
        bytes.append(Data(repeating: 0x20, count: 64))
        try bytes.write(to: url)
        assertError(ModelFileError.headerTooLong(file: "huge.safetensors", length: Int.max, limit: 64), url)
        XCTAssertTrue(ModelFileError.headerTooLong(file: "a", length: 1, limit: 0).description.contains("a: "))
    }

    func testMalformedHeaderJSONIsRefused() throws {
        let url = directory.appendingPathComponent("bad.safetensors")
        var bytes = Data([4, 0, 0, 0, 0, 0, 0, 0])
        bytes.append(Data("{\"a\"".utf8))
        try bytes.write(to: url)
        assertError(ModelFileError.malformedHeader(file: "bad.safetensors", reason: "expected a JSON object"), url)
    }

    func testTruncatedDataSectionPutsOffsetsOutOfRange() throws {
        let full = try rewrite("book-a-nobias.safetensors") { _ in }
        var data = try Data(contentsOf: full)
        data.removeLast(100)
        try data.write(to: full)
        XCTAssertThrowsError(try GPTModel.load(from: full, heads: 3)) { error in
            guard case .offsetsOutOfRange(let file, _, _, _, _)? = error as? ModelFileError else {
                return XCTFail("expected offsetsOutOfRange, got \(error)")
            }
            XCTAssertEqual(file, "edited.safetensors")
        }
    }

    func testOverlappingDataOffsetsAreRefused() throws {
        let data = Data(count: 32)
        let url = try write("overlap.safetensors", header: [
            "a": ["dtype": "F32", "shape": [4], "data_offsets": [0, 16]],
            "b": ["dtype": "F32", "shape": [4], "data_offsets": [8, 24]],
        ], data: data)
        assertError(ModelFileError.overlappingTensors(file: "overlap.safetensors", first: "a", second: "b"), url)
    }

    func testUnknownDTypeNamesTheTensor() throws {
        let url = try write("int.safetensors", header: ["tok_emb.weight": ["dtype": "I64", "shape": [2],
                                                                           "data_offsets": [0, 16]]],
                            data: Data(count: 16))
        assertError(ModelFileError.unknownDType(file: "int.safetensors", tensor: "tok_emb.weight", dtype: "I64"), url)
    }

    func testByteLengthMustMatchTheShape() throws {
        let url = try write("len.safetensors", header: ["x": ["dtype": "F32", "shape": [2, 3],
                                                              "data_offsets": [0, 20]]], data: Data(count: 24))
        assertError(ModelFileError.byteCountMismatch(file: "len.safetensors", tensor: "x", shape: [2, 3], dtype: "F32",
                                       bytes: 20, expected: 24), url)
    }

    func testMissingTensorIsNamed() throws {
        let url = try rewrite("book-a-nobias.safetensors") { $0["trf_blocks.1.ff.layers.2.bias"] = nil }
        assertError(GPTError.missingTensor(file: "edited.safetensors", tensor: "trf_blocks.1.ff.layers.2.bias"), url)
    }

    func testWrongShapeNamesTensorShapeAndExpectation() throws {
        let url = try rewrite("hf-lm-a-noprefix.safetensors") { t in
            let (dtype, _, data) = t["h.1.attn.c_attn.weight"]!
            t["h.1.attn.c_attn.weight"] = (dtype, [144, 48], data)
        }
        assertError(GPTError.wrongShape(file: "edited.safetensors", tensor: "h.1.attn.c_attn.weight", shape: [144, 48],
                                expected: [48, 144]), url)
        XCTAssertEqual(GPTError.wrongShape(file: "model.safetensors", tensor: "h.3.attn.c_attn.weight",
                                           shape: [768, 2300], expected: [768, 2304]).description,
                       "model.safetensors: tensor h.3.attn.c_attn.weight has shape [768, 2300], expected [768, 2304]")
    }

    func testUnknownNamingSchemeIsRefused() throws {
        let url = try write("other.safetensors", header: ["foo": ["dtype": "F32", "shape": [1],
                                                                  "data_offsets": [0, 4]]], data: Data(count: 4))
        assertError(ModelFileError.unknownNamingScheme(file: "other.safetensors"), url)
    }

    func testHeadCountThatCannotBeInferredAsksForAConfiguration() throws {
        let url = Reference.fixtures.appendingPathComponent("book-a-nobias.safetensors")
        XCTAssertThrowsError(try GPTModel.load(from: url)) { error in
            XCTAssertEqual(error as? ModelFileError, .unknownHeadCount(file: "book-a-nobias.safetensors", width: 48))
            XCTAssertTrue("\(error)".contains("n_head in a config.json"), "\(error)")
        }
    }

    func testConfigurationThatDisagreesWithTheTensorsIsRefused() throws {
        let dir = directory.appendingPathComponent("model")
        try FileManager.default.copyItem(at: Reference.fixtures.appendingPathComponent("hf-lm-a"), to: dir)
        let configURL = dir.appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        json["n_layer"] = 3
        try JSONSerialization.data(withJSONObject: json).write(to: configURL)
        assertError(GPTError.missingTensor(file: "model.safetensors", tensor: "transformer.h.2.ln_1.weight"), dir)

        json["n_layer"] = 2
        json["n_head"] = 5
        try JSONSerialization.data(withJSONObject: json).write(to: configURL)
        assertError(GPTError.invalidConfiguration(file: "config.json", reason: "n_embd 48 is not divisible by n_head 5"),
                    dir)

        json["n_head"] = 3
        json["activation_function"] = "relu"
        try JSONSerialization.data(withJSONObject: json).write(to: configURL)
        assertError(GPTError.invalidConfiguration(file: "config.json",
                                                  reason: "activation_function is relu, expected gelu_new"), dir)
    }
}
