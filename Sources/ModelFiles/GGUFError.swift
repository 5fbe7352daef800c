/// Why a GGUF file could not be read, or a tensor in it used.
///
/// Each case names the file and, where there is one, the key or tensor, and reads as a sentence the user can act on.
/// Hostile files (lying counts, offsets past the end) land here: they are refused, never trusted.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    case notGGUF(file: String)
    case unsupportedVersion(file: String, version: UInt32)
    case truncated(file: String, what: String, offset: Int, length: Int, fileSize: Int)
    case countTooLarge(file: String, what: String, count: UInt64)
    case unknownValueType(file: String, key: String, type: UInt32)
    case duplicateKey(file: String, key: String)
    case duplicateTensor(file: String, tensor: String)
    case badAlignment(file: String, alignment: Int)
    case badDimensions(file: String, tensor: String, dimensions: [UInt64])
    case unknownTensorType(file: String, tensor: String, type: UInt32)
    case misalignedTensor(file: String, tensor: String, offset: UInt64, alignment: Int)
    case tensorOutsideData(file: String, tensor: String, offset: UInt64, bytes: Int, dataBytes: Int)
    case unsupportedTensorType(file: String, tensor: String, type: String)
    case missingTensor(file: String, tensor: String)
    case missingKey(file: String, key: String)
    case wrongKeyType(file: String, key: String, expected: String)
    case unsupportedArchitecture(file: String, architecture: String)
    case wrongShape(file: String, tensor: String, shape: [Int], reason: String)
    case unsupportedRopeScaling(file: String, what: String)
    case invalidTensorValue(file: String, tensor: String, index: Int, value: Float, expected: String)

    public var description: String {
        switch self {
        case let .notGGUF(file):
            return "\(file): not a GGUF file (it does not start with the magic \"GGUF\")"
        case let .unsupportedVersion(file, version):
            return "\(file): GGUF version \(version) is not supported (only versions 2 and 3 are read)"
        case let .truncated(file, what, offset, length, fileSize):
            return "\(file): \(what) needs \(length) bytes at offset \(offset), past the end of the \(fileSize)-byte "
                + "file; the file is truncated or corrupt"
        case let .countTooLarge(file, what, count):
            return "\(file): the header claims \(count) \(what), more than the file could hold; the file is corrupt"
        case let .unknownValueType(file, key, type):
            return "\(file): metadata key \(key) has value type \(type), which GGUF does not define"
        case let .duplicateKey(file, key):
            return "\(file): metadata key \(key) appears twice; refusing to guess which value is meant"
        case let .duplicateTensor(file, tensor):
            return "\(file): two tensors are named \(tensor); refusing to guess which one is meant"
        case let .badAlignment(file, alignment):
            return "\(file): general.alignment is \(alignment), expected a power of two"
        case let .badDimensions(file, tensor, dimensions):
            return "\(file): tensor \(tensor) has dimensions \(dimensions), expected 1 to 4 that multiply to a size "
                + "the file can hold"
        case let .unknownTensorType(file, tensor, type):
            return "\(file): tensor \(tensor) has type \(type), which ggml does not define"
        case let .misalignedTensor(file, tensor, offset, alignment):
            return "\(file): tensor \(tensor) starts at data offset \(offset), not a multiple of the alignment "
                + "\(alignment)"
        case let .tensorOutsideData(file, tensor, offset, bytes, dataBytes):
            return "\(file): tensor \(tensor) claims \(bytes) bytes at data offset \(offset), outside the "
                + "\(dataBytes)-byte data section; the file is truncated or corrupt"
        case let .unsupportedTensorType(file, tensor, type):
            return "\(file): tensor \(tensor) is stored as \(type), which gptls cannot read yet (it reads F32, F16, "
                + "BF16, Q8_0, Q4_0, Q5_0, Q4_K and Q6_K)"
        case let .missingTensor(file, tensor):
            return "\(file): the file has no tensor \(tensor)"
        case let .missingKey(file, key):
            return "\(file): the metadata has no key \(key), which the model needs"
        case let .wrongKeyType(file, key, expected):
            return "\(file): metadata key \(key) should be \(expected)"
        case let .unsupportedArchitecture(file, architecture):
            return "\(file): general.architecture is \(architecture.debugDescription); gptls reads GGUF models of "
                + "the architectures llama, qwen2 and qwen3"
        case let .wrongShape(file, tensor, shape, reason):
            return "\(file): tensor \(tensor) has shape \(shape): \(reason)"
        case let .unsupportedRopeScaling(file, what):
            return "\(file): \(what); gptls cannot apply that rotary scaling exactly, so it runs only GGUF files "
                + "with plain rotary positions or Llama 3's rope_freqs"
        case let .invalidTensorValue(file, tensor, index, value, expected):
            return "\(file): tensor \(tensor) holds \(value) at index \(index), expected \(expected)"
        }
    }
}
