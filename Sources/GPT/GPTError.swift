/// Everything that can go wrong loading or running a model; each message names the file/tensor and the expectation.
public enum GPTError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(path: String)
    case unreadable(file: String, reason: String)
    case truncated(file: String, size: Int, needed: Int)
    case headerTooLong(file: String, length: Int, limit: Int)
    case malformedHeader(file: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case byteCountMismatch(file: String, tensor: String, shape: [Int], dtype: String, bytes: Int, expected: Int)
    case offsetsOutOfRange(file: String, tensor: String, begin: Int, end: Int, dataBytes: Int)
    case overlappingTensors(file: String, first: String, second: String)
    case missingTensor(file: String, tensor: String)
    case wrongShape(file: String, tensor: String, shape: [Int], expected: [Int])
    case unknownNamingScheme(file: String)
    case invalidConfiguration(file: String, reason: String)
    case unknownHeadCount(file: String, width: Int)
    case invalidInput(reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file or directory (expected a .safetensors or .pth file, or a Hugging Face model directory)"
        case .unreadable(let file, let reason):
            return "\(file): cannot be read: \(reason)"
        case .truncated(let file, let size, let needed):
            return "\(file): file is truncated: it has \(size) bytes, expected at least \(needed)"
        case .headerTooLong(let file, let length, let limit):
            return "\(file): safetensors header length \(length) exceeds \(limit) bytes (the file size or the cap)"
        case .malformedHeader(let file, let reason):
            return "\(file): malformed safetensors header: \(reason)"
        case .unknownDType(let file, let tensor, let dtype):
            return "\(file): tensor \(tensor) has dtype \(dtype), expected F32, F16 or BF16"
        case .byteCountMismatch(let file, let tensor, let shape, let dtype, let bytes, let expected):
            return "\(file): tensor \(tensor) (\(dtype) \(shape)) spans \(bytes) bytes, expected \(expected)"
        case .offsetsOutOfRange(let file, let tensor, let begin, let end, let dataBytes):
            return "\(file): tensor \(tensor) has data offsets [\(begin), \(end)), expected a range within the "
                + "\(dataBytes)-byte data section"
        case .overlappingTensors(let file, let first, let second):
            return "\(file): tensors \(first) and \(second) overlap, expected disjoint data ranges"
        case .missingTensor(let file, let tensor):
            return "\(file): tensor \(tensor) is missing"
        case .wrongShape(let file, let tensor, let shape, let expected):
            return "\(file): tensor \(tensor) has shape \(shape), expected \(expected)"
        case .unknownNamingScheme(let file):
            return "\(file): tensor names match no known scheme (expected Hugging Face GPT-2 `wte.weight`/"
                + "`transformer.wte.weight` or the book's `tok_emb.weight`)"
        case .invalidConfiguration(let file, let reason):
            return "\(file): inconsistent configuration: \(reason)"
        case .unknownHeadCount(let file, let width):
            let standard = GPTModel.standardHeads.sorted { $0.key < $1.key }.map { "\($0.key) -> \($0.value)" }
            return "\(file): cannot tell the number of attention heads: n_embd \(width) is not a standard GPT-2 width "
                + "(\(standard.joined(separator: ", "))); pass --heads N, or give \"heads\" in the model's "
                + "manifest.json (or n_head in a config.json)"
        case .invalidInput(let reason):
            return "invalid input: \(reason)"
        }
    }
}
