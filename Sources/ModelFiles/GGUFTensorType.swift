/// A ggml tensor type: its code in the file, name, and block geometry (elements per block, bytes per block).
///
/// Every type ggml defines is known, so a file of any type can be listed and its sizes checked; `isReadable` says
/// which ones gptls dequantizes.
public struct GGUFTensorType: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let code: UInt32
    public let name: String
    public let blockSize: Int
    public let typeSize: Int

    public var description: String { name }

    /// The types `dequantize` reads.
    public var isReadable: Bool { [0, 1, 30, 8, 2, 6, 12, 14].contains(code) }

    public static let f32 = known[0]!
    public static let f16 = known[1]!
    public static let bf16 = known[30]!
    public static let q8_0 = known[8]!
    public static let q4_0 = known[2]!
    public static let q5_0 = known[6]!
    public static let q4_K = known[12]!
    public static let q6_K = known[14]!

    /// ggml's types by code (gguf-py's GGML_QUANT_SIZES).
    static let known: [UInt32: GGUFTensorType] = {
        let table: [(UInt32, String, Int, Int)] = [
            (0, "F32", 1, 4), (1, "F16", 1, 2), (2, "Q4_0", 32, 18), (3, "Q4_1", 32, 20), (6, "Q5_0", 32, 22),
            (7, "Q5_1", 32, 24), (8, "Q8_0", 32, 34), (9, "Q8_1", 32, 40), (10, "Q2_K", 256, 84),
            (11, "Q3_K", 256, 110), (12, "Q4_K", 256, 144), (13, "Q5_K", 256, 176), (14, "Q6_K", 256, 210),
            (15, "Q8_K", 256, 292), (16, "IQ2_XXS", 256, 66), (17, "IQ2_XS", 256, 74), (18, "IQ3_XXS", 256, 98),
            (19, "IQ1_S", 256, 50), (20, "IQ4_NL", 32, 18), (21, "IQ3_S", 256, 110), (22, "IQ2_S", 256, 82),
            (23, "IQ4_XS", 256, 136), (24, "I8", 1, 1), (25, "I16", 1, 2), (26, "I32", 1, 4), (27, "I64", 1, 8),
            (28, "F64", 1, 8), (29, "IQ1_M", 256, 56), (30, "BF16", 1, 2), (34, "TQ1_0", 256, 54),
            (35, "TQ2_0", 256, 66), (39, "MXFP4", 32, 17),
        ]
        var result: [UInt32: GGUFTensorType] = [:]
        for (code, name, block, size) in table {
            result[code] = GGUFTensorType(code: code, name: name, blockSize: block, typeSize: size)
        }
        return result
    }()

    public static func type(code: UInt32) -> GGUFTensorType? { known[code] }
}
