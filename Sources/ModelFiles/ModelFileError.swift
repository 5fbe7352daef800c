/// Why a model file or directory could not be read or written: a safetensors file that is damaged or lies about its
/// contents, tensor names of no known scheme, a configuration the file does not imply, an export a format cannot
/// hold. Each message names the file (and the tensor) and the expectation.
///
/// A `.pth` checkpoint's own faults are `CheckpointError`; tensors that do not fit the configuration are the model's
/// `GPTError`.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(path: String)
    case unreadable(file: String, reason: String)
    case unwritable(path: String, reason: String)
    case truncated(file: String, size: Int, needed: Int)
    case headerTooLong(file: String, length: Int, limit: Int)
    case malformedHeader(file: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case byteCountMismatch(file: String, tensor: String, shape: [Int], dtype: String, bytes: Int, expected: Int)
    case offsetsOutOfRange(file: String, tensor: String, begin: Int, end: Int, dataBytes: Int)
    case overlappingTensors(file: String, first: String, second: String)
    case unknownNamingScheme(file: String)
    case unknownHeadCount(file: String, width: Int)
    case cannotExport(reason: String)
    case unsupportedArchitecture(file: String, name: String)
    case missingShard(file: String, shard: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file or directory (expected a .safetensors, .pth or .gguf file, or a Hugging Face model directory)"
        case .unreadable(let file, let reason):
            return "\(file): cannot be read: \(reason)"
        case .unwritable(let path, let reason):
            return "\(path): cannot be written: \(reason)"
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
        case .unknownNamingScheme(let file):
            return "\(file): tensor names match no known scheme (expected Hugging Face GPT-2 `wte.weight`/"
                + "`transformer.wte.weight`, Llama/Qwen `model.embed_tokens.weight` or the book's `tok_emb.weight`)"
        case .unknownHeadCount(let file, let width):
            let standard = ModelFile.standardHeads.sorted { $0.key < $1.key }.map { "\($0.key) -> \($0.value)" }
            return "\(file): cannot tell the number of attention heads: n_embd \(width) is not a standard GPT-2 width "
                + "(\(standard.joined(separator: ", "))); pass --heads N, or give \"heads\" in the model's "
                + "manifest.json (or n_head in a config.json)"
        case .cannotExport(let reason):
            return "cannot export the model: \(reason)"
        case .unsupportedArchitecture(let file, let name):
            return "\(file): architecture \(name) is not supported (expected GPT2LMHeadModel, "
                + "GPT2ForSequenceClassification, LlamaForCausalLM, Qwen2ForCausalLM or Qwen3ForCausalLM)"
        case .missingShard(let file, let shard):
            return "\(file): names shard \(shard), which is not in the model directory"
        }
    }
}
